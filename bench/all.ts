// `npm run bench`: every benchmark in turn, each in its own process. One that fails or misses a goal
// does not stop the others (a noisy row early on used to hide every table after it); the run exits 1
// at the end naming the ones that did, so a failing run still fails the benchmark.
import { spawnSync } from 'node:child_process';

const STEPS: readonly (readonly string[])[] = [
  ['tsx', 'bench/run.ts'],
  ['tsx', 'bench/cli-start.ts'],
  ['vite', 'build'],
  ['tsx', 'bench/editor.ts'],
  ['tsx', 'bench/real-size.ts'],
  ['tsx', 'bench/lora-memory.ts'],
  ['tsx', 'bench/serve.ts'],
];

const failed: string[] = [];
for (const [bin, ...args] of STEPS) {
  const what = [bin, ...args].join(' ');
  const run = spawnSync('npx', ['--no-install', bin!, ...args], { stdio: 'inherit' });
  if (run.status !== 0) {
    failed.push(what);
    // The build is what the editor benchmark measures: without it, stop.
    if (bin === 'vite') break;
  }
}
if (failed.length > 0) {
  console.error(`bench: ${failed.length} step(s) failed or missed a goal: ${failed.join('; ')}`);
  process.exitCode = 1;
}
