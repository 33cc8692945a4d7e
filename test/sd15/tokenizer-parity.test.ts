import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openCheckpoint } from '../../src/runtime/models/checkpoint/open-checkpoint';
import { packTokenizer } from '../../src/runtime/models/pack-tokenizer';
import { createFileHashCache } from '../../src/runtime/node/file-hash-cache';
import { nodeFolderReader } from '../../src/runtime/node/node-folder';
import { clipInputIds } from '../../src/runtime/tokenizers/clip-ids';
import { GOLDEN_DIR, LAYOUTS, SD15_DIR } from './sd15-graphs';

const tokensSchema = z.object({
  meta: z.looseObject({ max_length: z.number().int() }),
  cases: z.array(z.object({ prompt: z.string(), ids: z.array(z.number().int()) })),
});
const golden = tokensSchema.parse(JSON.parse(readFileSync(join(GOLDEN_DIR, 'tokens.json'), 'utf8')));

describe('CLIP tokenizer of SD1.5 checkpoints (vocab.json + merges.txt) against diffusers', () => {
  it.each(LAYOUTS)('gives the pipeline tokenizer ids for every golden prompt (%s)', async (layout) => {
    const dir = join(SD15_DIR, layout);
    const pack = await openCheckpoint(
      nodeFolderReader(dir, createFileHashCache()),
      dir,
      new AbortController().signal,
    );
    const tokenizer = await packTokenizer(pack);
    const { specialTokens, conditioningLength } = pack.models.constants;
    expect(conditioningLength).toBe(golden.meta.max_length);
    expect(golden.cases.length).toBeGreaterThanOrEqual(200);
    const wrong = golden.cases
      .map((c) => ({
        ...c,
        got: clipInputIds(tokenizer, c.prompt, { length: conditioningLength, ...specialTokens }),
      }))
      .filter((c) => c.got.join(',') !== c.ids.join(','))
      .map(
        (c) =>
          `${JSON.stringify(c.prompt)}: got ${c.got.slice(0, 12).join(' ')} want ${c.ids.slice(0, 12).join(' ')}`,
      );
    expect(wrong).toEqual([]);
  });
});
