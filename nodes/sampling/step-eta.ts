/**
 * The sampler's time-left estimate: the median of the step times so far times the steps left.
 * The median, not the mean, so the first step (which may include a slow warm-up: GPU shader
 * compilation, a first allocation) does not inflate the estimate for the rest of the run.
 */
export function stepEta(
  now: () => number = () => performance.now(),
): (step: number, total: number) => number | undefined {
  const times: number[] = [];
  let last = now();
  return (step, total) => {
    const t = now();
    if (step > 0) times.push(t - last);
    last = t;
    if (times.length === 0) return undefined;
    const sorted = [...times].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
    return median * Math.max(0, total - step);
  };
}
