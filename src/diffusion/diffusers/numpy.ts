/**
 * The few numpy routines diffusers' set_timesteps relies on, with numpy's float64 arithmetic
 * (so the timesteps come out identical, including numpy's round-half-to-even).
 */

/** np.linspace(start, stop, num): i * step + start, the last value pinned to stop. */
export function linspace(start: number, stop: number, num: number): number[] {
  const out: number[] = [];
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out.push(i * step + start);
  out[num - 1] = stop;
  return out;
}

/**
 * np.arange(start, stop, step) for float arguments: length ceil((stop - start) / step); numpy
 * stores start and start + step, then fills value i as start + i * (second - first).
 */
export function arange(start: number, stop: number, step: number): number[] {
  const len = Math.max(0, Math.ceil((stop - start) / step));
  const out: number[] = [];
  if (len === 0) return out;
  out.push(start);
  if (len === 1) return out;
  const second = start + step;
  out.push(second);
  const delta = second - start;
  for (let i = 2; i < len; i++) out.push(start + i * delta);
  return out;
}

/** np.round / np.rint: to the nearest integer, ties to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // ties toward +infinity
  if (r - x === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/**
 * np.interp(x, arange(len(fp)), fp) for one x: the value at an integer x is fp[x] itself,
 * between two grid points slope * (x - j) + fp[j]; clamped to the ends.
 */
export function interpUnitGrid(x: number, fp: ArrayLike<number>): number {
  const n = fp.length;
  if (x > n - 1) return fp[n - 1]!;
  if (x < 0) return fp[0]!;
  const j = Math.floor(x);
  if (j === n - 1 || j === x) return fp[j]!;
  const slope = fp[j + 1]! - fp[j]!;
  return slope * (x - j) + fp[j]!;
}
