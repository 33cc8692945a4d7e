import { describe, expect, it } from 'vitest';
import { RunQueue } from './ort-session';

describe('RunQueue', () => {
  it('runs tasks one at a time in call order, and a failure does not block the next', async () => {
    const queue = new RunQueue();
    const log: string[] = [];
    const task = (name: string, ms: number, fail = false) =>
      queue.enqueue(async () => {
        log.push(`start ${name}`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([task('a', 10), task('b', 1, true), task('c', 1)]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
