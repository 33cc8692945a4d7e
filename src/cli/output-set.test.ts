import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from './cli-error';
import { acquireLock, finalOutputNames, moveInAsSet, prepareOutputSet } from './output-set';

const temp = () => mkdtempSync(join(tmpdir(), 'kg-outset-'));
const bytes = (text: string) => new TextEncoder().encode(text);

describe('output names decided before the job', () => {
  it('two nodes asking for one name get their node ids; distinct names stay', () => {
    expect(
      finalOutputNames([
        { nodeId: 'a', fileName: 'p.png' },
        { nodeId: 'b', fileName: 'p.png' },
        { nodeId: 'c', fileName: 'q.png' },
      ]).map((o) => o.fileName),
    ).toEqual(['p-a.png', 'p-b.png', 'q.png']);
  });

  it('p, p and p-x: a suffixed name meeting another is refused naming the nodes', () => {
    const run = () =>
      finalOutputNames([
        { nodeId: 'x', fileName: 'p.png' },
        { nodeId: 'y', fileName: 'p.png' },
        { nodeId: 'z', fileName: 'p-x.png' },
      ]);
    expect(run).toThrow(CliError);
    expect(run).toThrow(/nodes "x" and "z" would all write p-x\.png/);
  });

  it('names that differ only in case collide (case-insensitive file systems)', () => {
    expect(() =>
      finalOutputNames([
        { nodeId: 'a', fileName: 'Out.png' },
        { nodeId: 'b', fileName: 'out.png' },
      ]),
    ).toThrow(/would all write out\.png/);
  });
});

describe('--out checked before the job', () => {
  it('a file is refused with one line', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'file'), 'x');
    await expect(prepareOutputSet(join(dir, 'file'))).rejects.toThrow(
      /--out .*file: is a file, not a folder/,
    );
    await expect(prepareOutputSet(join(dir, 'file', 'sub'))).rejects.toThrow(
      /is a file, so the folder cannot be made/,
    );
  });

  it('a folder that cannot be made is refused', async () => {
    await expect(prepareOutputSet('/proc/kosmograph-cannot-be-here')).rejects.toThrow(/cannot write there/);
  });

  it.skipIf(process.getuid?.() === 0)('a read-only folder is refused', async () => {
    const { chmodSync } = await import('node:fs');
    const dir = temp();
    chmodSync(dir, 0o555);
    await expect(prepareOutputSet(dir)).rejects.toThrow(/cannot write there/);
  });

  it('a folder it made is removed again when nothing is published', async () => {
    const dir = temp();
    const set = await prepareOutputSet(join(dir, 'a', 'b'));
    expect(existsSync(set.temp)).toBe(true);
    set.discard();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('stale temp folders of dead runs are removed; live ones are kept', async () => {
    const dir = temp();
    mkdirSync(join(dir, '.kosmograph-tmp-999999999-abc'));
    mkdirSync(join(dir, `.kosmograph-tmp-${process.pid}-live`));
    const set = await prepareOutputSet(dir);
    const left = readdirSync(dir).sort();
    expect(left).not.toContain('.kosmograph-tmp-999999999-abc');
    expect(left).toContain(`.kosmograph-tmp-${process.pid}-live`);
    set.discard();
  });
});

describe('publishing as a set', () => {
  it('moves every file in, replacing old ones, and leaves no temp folder', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'a.png'), 'old');
    const set = await prepareOutputSet(dir);
    const paths = await set.publish([
      { fileName: 'a.png', bytes: bytes('new a') },
      { fileName: 'b.latent', bytes: bytes('new b') },
    ]);
    expect(paths).toEqual([join(dir, 'a.png'), join(dir, 'b.latent')]);
    expect(readFileSync(join(dir, 'a.png'), 'utf8')).toBe('new a');
    expect(readdirSync(dir).sort()).toEqual(['a.png', 'b.latent']);
  });

  it('an empty set (previews only) leaves no folder it made', async () => {
    const dir = temp();
    const set = await prepareOutputSet(join(dir, 'out'));
    expect(await set.publish([])).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a move that fails puts back the files already moved and the old ones', () => {
    const dir = temp();
    writeFileSync(join(dir, 'a.png'), 'old a');
    writeFileSync(join(dir, 'b.png'), 'old b');
    writeFileSync(join(dir, 'new-a'), 'new a');
    expect(() =>
      moveInAsSet([
        { from: join(dir, 'new-a'), to: join(dir, 'a.png'), old: join(dir, 'old-a') },
        { from: join(dir, 'new-b-missing'), to: join(dir, 'b.png'), old: join(dir, 'old-b') },
      ]),
    ).toThrow(/none were written/);
    expect(readFileSync(join(dir, 'a.png'), 'utf8')).toBe('old a');
    expect(readFileSync(join(dir, 'b.png'), 'utf8')).toBe('old b');
    expect(readFileSync(join(dir, 'new-a'), 'utf8')).toBe('new a');
  });

  it('a failed write leaves nothing published and the temp folder goes with discard', async () => {
    const dir = temp();
    const set = await prepareOutputSet(dir);
    mkdirSync(join(set.temp, '1.new')); // the second staged file cannot be written
    await expect(
      set.publish([
        { fileName: 'a.png', bytes: bytes('a') },
        { fileName: 'b.png', bytes: bytes('b') },
      ]),
    ).rejects.toThrow();
    set.discard();
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('the --out lock', () => {
  it('waits for a live holder and refuses after the wait, then takes a dead holder’s lock', async () => {
    const dir = temp();
    const lock = join(dir, '.kosmograph.lock');
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(lock, `${sleeper.pid}\n`);
      await expect(acquireLock(lock, 200, dir)).rejects.toThrow(
        new RegExp(`another kosmograph run \\(pid ${sleeper.pid}\\) is writing into`),
      );
    } finally {
      sleeper.kill('SIGKILL');
    }
    await new Promise((resolve) => sleeper.once('exit', resolve));
    await acquireLock(lock, 200, dir); // its holder is gone: taken over
    expect(readFileSync(lock, 'utf8').trim()).toBe(String(process.pid));
  });
});
