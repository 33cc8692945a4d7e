import { describe, expect, it } from 'vitest';
import type { ModelSession, OrtBackend } from './model-session';
import { SessionPool } from './session-pool';

function fakeBackend() {
  const created: string[] = [];
  const released: string[] = [];
  const backend: OrtBackend = {
    name: 'cpu',
    async createSession(_model, label) {
      created.push(label);
      const session: ModelSession = {
        label,
        inputs: [],
        outputs: [],
        run: async () => ({}),
        release: async () => {
          released.push(label);
        },
      };
      return session;
    },
  };
  return { backend, created, released };
}

const model = async () => ({ bytes: new Uint8Array(100) });

describe('SessionPool', () => {
  it('loads a model once and reuses it across runs', async () => {
    const { backend, created } = fakeBackend();
    const pool = new SessionPool(backend, 1000);
    const a = await pool.acquire('k1', 'unet', model);
    a.done();
    const b = await pool.acquire('k1', 'unet', model);
    b.done();
    expect(created).toEqual(['unet']);
    expect(pool.stats).toMatchObject({ loads: 1, hits: 1, sessions: 1 });
  });

  it('shares one load between concurrent requests', async () => {
    const { backend, created } = fakeBackend();
    const pool = new SessionPool(backend, 1000);
    const [a, b] = await Promise.all([pool.acquire('k', 'vae', model), pool.acquire('k', 'vae', model)]);
    expect(a.session).toBe(b.session);
    expect(created).toEqual(['vae']);
  });

  it('keeps a model bigger than the whole budget loaded while it is the most recent (opened by path)', async () => {
    const { backend, created, released } = fakeBackend();
    const pool = new SessionPool(backend, 1000);
    const big = async () => ({ filePath: '/models/unet/model.onnx', sizeBytes: 5000 });
    for (let run = 0; run < 3; run++) (await pool.acquire('unet', 'unet', big)).done();
    expect(created).toEqual(['unet']);
    expect(released).toEqual([]);
    expect(pool.stats).toMatchObject({ loads: 1, hits: 2, bytes: 5000, sessions: 1 });
    (await pool.acquire('vae', 'vae', model)).done();
    expect(released).toEqual(['unet']);
  });

  it('evicts the least recently used idle session when over budget', async () => {
    const { backend, released } = fakeBackend();
    const pool = new SessionPool(backend, 250);
    for (const key of ['a', 'b']) (await pool.acquire(key, key, model)).done();
    (await pool.acquire('a', 'a', model)).done(); // a is now most recent
    (await pool.acquire('c', 'c', model)).done();
    await new Promise((r) => setTimeout(r, 0));
    expect(released).toEqual(['b']);
    expect(pool.has('a')).toBe(true);
    expect(pool.has('b')).toBe(false);
    expect(pool.stats).toMatchObject({ evictions: 1, bytes: 200 });
  });

  it('never releases a session in use, even over budget', async () => {
    const { backend, released } = fakeBackend();
    const pool = new SessionPool(backend, 100);
    const a = await pool.acquire('a', 'a', model);
    const b = await pool.acquire('b', 'b', model);
    expect(released).toEqual([]);
    expect(pool.stats.bytes).toBe(200);
    a.done();
    await new Promise((r) => setTimeout(r, 0));
    expect(released).toEqual(['a']);
    b.done();
  });

  it('forgets a failed load so the next request retries', async () => {
    const { backend } = fakeBackend();
    const pool = new SessionPool(backend, 1000);
    await expect(pool.acquire('x', 'x', () => Promise.reject(new Error('sha256 mismatch')))).rejects.toThrow(
      'sha256',
    );
    await new Promise((r) => setTimeout(r, 0));
    const lease = await pool.acquire('x', 'x', model);
    expect(lease.session.label).toBe('x');
  });
});
