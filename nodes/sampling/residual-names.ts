/**
 * ControlNet residual names as the exporters people use write them, mapped to one key per
 * residual (`down:<i>` for the 12 down-block residuals, `mid` for the mid-block one), so a
 * ControlNet's outputs feed a U-Net's inputs whatever each side calls them:
 * - kosmograph / OnnxStack / Olive: `down_block_{i}_additional_residual`, `mid_block_additional_residual`;
 * - onnx-web: `down_block_{i}`, `mid_block_res_sample` (and the ControlNet's `down_block_res_samples`
 *   split by ONNX into numbered outputs);
 * - hand-made exports: `down_block_add_res{ii}`, `mid_block_add_res`.
 */

const DOWN = [
  /^down_block_(\d+)_additional_residual$/,
  /^down_block_(\d+)$/,
  /^down_block_add_res_?(\d+)$/,
  /^down_block_res_samples?[._]?(\d+)$/,
  /^down_block_additional_residuals?[._]?(\d+)$/,
];
const MID = /^mid_block_(additional_residual|res_sample|add_res|res)$/;

/** The residual key of a tensor name, or undefined when the name is no ControlNet residual. */
export function residualKey(name: string): string | undefined {
  if (MID.test(name)) return 'mid';
  for (const pattern of DOWN) {
    const match = pattern.exec(name);
    if (match) return `down:${Number(match[1])}`;
  }
  return undefined;
}

/** Output name by residual key, for a ControlNet's outputs. */
export function residualsByKey(names: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of names) {
    const key = residualKey(name);
    if (key !== undefined && !out.has(key)) out.set(key, name);
  }
  return out;
}

/**
 * The spatial downscale of a residual in SD1.x's U-Net layout (4 down blocks, `perBlock`
 * resnets each, a downsampler after every block but the last): conv_in at 1, then per block b
 * its resnets at 2^b and its downsampler at 2^(b+1); the mid block at 2^3. `count` is the number
 * of down residuals (12 for SD1.5: perBlock 2).
 */
export function sdResidualFactor(key: string, count: number): number {
  const blocks = 4;
  const perBlock = (count - blocks) / blocks;
  if (!Number.isInteger(perBlock) || perBlock < 1)
    throw new Error(`${count} down-block residuals do not fit SD1.x's U-Net layout (expected 12)`);
  if (key === 'mid') return 2 ** (blocks - 1);
  const index = Number(key.slice('down:'.length));
  if (index === 0) return 1;
  const block = Math.floor((index - 1) / (perBlock + 1));
  const within = (index - 1) % (perBlock + 1);
  return 2 ** (within < perBlock ? block : block + 1);
}
