import { describe, expect, it } from 'vitest';
import { type Classification, classifyImage } from '../pack/world-classifier';
import { exampleRunner, loadExample, savedImage, withParams } from './run-example';

interface Expected {
  readonly background?: string;
  /** Entities left to right (or the single centred one). */
  readonly entities: readonly { shape: string; color: string }[];
  readonly pastel?: number;
}

const EXPECTED: Record<string, Record<string, Expected>> = {
  'text-to-image': {
    save: {
      entities: [
        { shape: 'square', color: 'blue' },
        { shape: 'triangle', color: 'yellow' },
      ],
    },
  },
  'subject-driven': { save: { background: 'black', entities: [{ shape: 'square', color: 'blue' }] } },
  'multi-entity': {
    save: {
      entities: [
        { shape: 'square', color: 'blue' },
        { shape: 'triangle', color: 'yellow' },
      ],
    },
  },
  style: { save: { background: 'black', entities: [{ shape: 'square', color: 'blue' }] } },
  'controlnet-canny': {
    save: {
      entities: [
        { shape: 'circle', color: 'red' },
        { shape: 'square', color: 'yellow' },
      ],
    },
  },
  lora: { save: { background: 'black', entities: [{ shape: 'circle', color: 'red' }], pastel: 0.5 } },
  compare: {
    save_sd: { background: 'gray', entities: [{ shape: 'circle', color: 'green' }] },
    save_kosmos: { background: 'gray', entities: [{ shape: 'circle', color: 'green' }] },
  },
};

/** Whether a classification shows the expected picture (clean: no dirt, right entities in order). */
function matches(c: Classification, expected: Expected): boolean {
  if (expected.background !== undefined && c.background !== expected.background) return false;
  if (c.entities.length !== expected.entities.length) return false;
  const ordered = [...c.entities].sort((a, b) => a.cx - b.cx);
  return ordered.every((e, i) => {
    const want = expected.entities[i]!;
    const pastelOk =
      expected.pastel === undefined ? e.pastel < 0.1 : Math.abs(e.pastel - expected.pastel) < 0.1;
    return e.shape === want.shape && e.color === want.color && pastelOk;
  });
}

const NAMES = Object.keys(EXPECTED);
const pixelsByBackend = new Map<string, Uint8Array>();

describe.each(['cpu', 'wasm'] as const)('examples on the %s backend', (backend) => {
  const runner = exampleRunner(backend);

  it.each(NAMES)('%s produces the picture its prompt describes', async (name) => {
    const { run } = await runner;
    const result = await run(loadExample(name));
    expect(result.status, result.error?.message).toBe('done');
    for (const [saveId, expected] of Object.entries(EXPECTED[name]!)) {
      const { image } = savedImage(result, saveId);
      const classification = classifyImage(image);
      expect(matches(classification, expected), JSON.stringify(classification)).toBe(true);
      const key = `${name}/${saveId}`;
      const other = pixelsByBackend.get(key);
      if (other) {
        // Same seed, same image on both backends (float differences only).
        let max = 0;
        for (let i = 0; i < other.length; i++) max = Math.max(max, Math.abs(other[i]! - image.data[i]!));
        expect(max).toBeLessThanOrEqual(8);
      } else {
        pixelsByBackend.set(key, image.data);
      }
    }
  });
});

describe('examples across seeds (cpu, default sampler settings)', () => {
  const runner = exampleRunner('cpu');
  const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

  it.each(NAMES)('%s is right for at least 95 percent of seeds', async (name) => {
    const { run } = await runner;
    let right = 0;
    let total = 0;
    for (const seed of SEEDS) {
      const sets = Object.fromEntries(
        loadExample(name)
          .nodes.filter((n) => n.type === 'sampling.sampler')
          .map((n) => [`${n.id}.seed`, String(seed)]),
      );
      const result = await run(withParams(loadExample(name), sets));
      for (const [saveId, expected] of Object.entries(EXPECTED[name]!)) {
        total += 1;
        if (result.status === 'done' && matches(classifyImage(savedImage(result, saveId).image), expected))
          right += 1;
      }
    }
    expect(right / total).toBeGreaterThanOrEqual(0.95);
  });
});
