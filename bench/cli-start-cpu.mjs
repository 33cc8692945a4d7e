// Preloaded (NODE_OPTIONS=--import) into every Node process a bench/cli-start.ts run starts,
// npx's own included: appends the process's CPU time (user + system, all its threads) in ms to
// $KOSMOGRAPH_BENCH_CPU_FILE at exit, so the bench can report CPU time beside wall time, which
// a loaded machine inflates far more.
import { appendFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const file = process.env.KOSMOGRAPH_BENCH_CPU_FILE;
if (file && isMainThread) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    appendFileSync(file, `${(usage.userCPUTime + usage.systemCPUTime) / 1000}\n`);
  });
}
