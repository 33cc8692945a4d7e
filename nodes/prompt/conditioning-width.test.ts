import { describe, expect, it } from 'vitest';
import { float32Tensor } from '../../src/runtime/ort/tensor-data';
import type { ConditioningValue } from '../values';
import { checkConditioningWidth } from './conditioning-width';

const cond = (width: number, source?: ConditioningValue['source']): ConditioningValue => ({
  kind: 'conditioning',
  embeds: float32Tensor(new Float32Array(77 * width), [1, 77, width]),
  controls: [],
  ...(source ? { source } : {}),
});
const ehs = (width: number | string) => ({
  name: 'encoder_hidden_states',
  type: 'float32' as const,
  shape: ['batch', 77, width],
});
const UNET = 'unet (unet/model.onnx) of /models/sd15';

describe('checkConditioningWidth', () => {
  it('accepts the U-Net width, and any width where the session leaves it symbolic', () => {
    expect(() => checkConditioningWidth(ehs(768), UNET, [cond(768), cond(768)])).not.toThrow();
    expect(() => checkConditioningWidth(ehs('hidden'), UNET, [cond(32)])).not.toThrow();
  });

  it('refuses an aligner of another width, naming the Align node, the U-Net and both widths', () => {
    const aligned = cond(32, { nodeId: 'align', title: 'Align (AlignerNet)' });
    expect(() => checkConditioningWidth(ehs(768), UNET, [aligned, aligned])).toThrow(
      'Align (AlignerNet) (node "align") is 32 wide but unet (unet/model.onnx) of /models/sd15 takes encoder_hidden_states 768 wide',
    );
    expect(() => checkConditioningWidth(ehs(768), UNET, [cond(768), cond(1024)])).toThrow(
      'the conditioning is 1024 wide',
    );
  });
});
