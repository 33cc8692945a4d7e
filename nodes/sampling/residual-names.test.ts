import { describe, expect, it } from 'vitest';
import { residualKey, residualsByKey } from './residual-names';

describe('ControlNet residual names', () => {
  it.each([
    ['down_block_0_additional_residual', 'down:0'],
    ['down_block_11_additional_residual', 'down:11'],
    ['mid_block_additional_residual', 'mid'],
    ['down_block_7', 'down:7'],
    ['mid_block_res_sample', 'mid'],
    ['down_block_add_res03', 'down:3'],
    ['mid_block_add_res', 'mid'],
    ['down_block_res_samples.4', 'down:4'],
  ])('%s is %s', (name, key) => {
    expect(residualKey(name)).toBe(key);
  });

  it('leaves the standard inputs alone', () => {
    for (const name of ['sample', 'timestep', 'encoder_hidden_states', 'controlnet_cond', 'out_sample'])
      expect(residualKey(name)).toBeUndefined();
  });

  it('maps one exporter onto another', () => {
    const onnxWeb = residualsByKey(['down_block_0', 'down_block_1', 'mid_block_res_sample']);
    expect(onnxWeb.get('down:1')).toBe('down_block_1');
    expect(onnxWeb.get('mid')).toBe('mid_block_res_sample');
  });
});

describe("SD1.x's residual resolutions", () => {
  it('gives SD1.5 layout: 1,1,1,2, 2,2,4, 4,4,8, 8,8 and the mid block at 8', async () => {
    const { sdResidualFactor } = await import('./residual-names');
    const factors = Array.from({ length: 12 }, (_, i) => sdResidualFactor(`down:${i}`, 12));
    expect(factors).toEqual([1, 1, 1, 2, 2, 2, 4, 4, 4, 8, 8, 8]);
    expect(sdResidualFactor('mid', 12)).toBe(8);
    expect(() => sdResidualFactor('down:0', 7)).toThrow(/expected 12/);
  });
});
