import type { ValueInfo } from '../../src/runtime/ort/model-session';
import type { ConditioningValue } from '../values';

/**
 * Refuses conditioning whose width is not the U-Net's `encoder_hidden_states` width (read from the
 * session; a symbolic dim accepts any). Kosmos-G's aligner must output the width of the U-Net it
 * replaces CLIP for (768 for SD1.5): a mismatch is named with the node that made the conditioning.
 */
export function checkConditioningWidth(
  encoderHiddenStates: ValueInfo,
  unetLabel: string,
  conditionings: readonly ConditioningValue[],
): void {
  const want = encoderHiddenStates.shape[2];
  if (typeof want !== 'number') return;
  for (const c of conditionings) {
    const got = c.embeds.dims[2];
    if (got === want) continue;
    const from = c.source ? `${c.source.title} (node "${c.source.nodeId}")` : 'the conditioning';
    throw new Error(
      `${from} is ${got} wide but ${unetLabel} takes encoder_hidden_states ${want} wide: use an aligner (Kosmos-G encoder) or text encoder made for this U-Net`,
    );
  }
}
