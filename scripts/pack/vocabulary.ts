/** The world vocabulary: special tokens, words, and what each word means to the MLLM. */
import { TOK } from './features';
import { BACKGROUNDS, COLORS, SHAPES } from './world';

/** The prompt marker standing for an input image. */
export const IMAGE_MARKER = '<i>';

export const SPECIAL_TOKENS = {
  pad: '<pad>',
  bos: '<s>',
  eos: '</s>',
  unk: '<unk>',
  boi: '<image>',
  eoi: '</image>',
} as const;

/** Words known to the tokenizer. Fillers are known but carry no meaning (zero embedding). */
const FILLERS = [
  'a',
  'an',
  'the',
  'on',
  'in',
  'of',
  'with',
  'background',
  'picture',
  'image',
  'photo',
  'shape',
  ',',
  '.',
];

export interface VocabEntry {
  token: string;
  /** token-level feature dims set to 1 */
  features: number[];
}

export function vocabulary(): VocabEntry[] {
  const entries: VocabEntry[] = Object.values(SPECIAL_TOKENS).map((token) => ({ token, features: [] }));
  COLORS.forEach((c, i) => {
    entries.push({ token: c, features: [TOK.color + i, TOK.presence] });
  });
  SHAPES.forEach((s, i) => {
    entries.push({ token: s, features: [TOK.shape + i, TOK.presence] });
  });
  BACKGROUNDS.forEach((b, i) => {
    entries.push({ token: b, features: [TOK.bg + i] });
  });
  entries.push({ token: 'grey', features: [TOK.bg + BACKGROUNDS.indexOf('gray')] });
  entries.push({ token: 'and', features: [TOK.and] });
  entries.push({ token: 'style', features: [TOK.style] });
  for (const f of FILLERS) entries.push({ token: f, features: [] });
  return entries;
}

export function specialTokenIds(): Record<keyof typeof SPECIAL_TOKENS, number> {
  const vocab = vocabulary().map((e) => e.token);
  const ids = {} as Record<keyof typeof SPECIAL_TOKENS, number>;
  for (const [k, v] of Object.entries(SPECIAL_TOKENS))
    ids[k as keyof typeof SPECIAL_TOKENS] = vocab.indexOf(v);
  return ids;
}

/** HuggingFace tokenizers `tokenizer.json`: WordLevel model, Lowercase, Whitespace pre-tokenizer. */
export function tokenizerJson(): string {
  const entries = vocabulary();
  const vocab: Record<string, number> = {};
  entries.forEach((e, i) => {
    vocab[e.token] = i;
  });
  const special = new Set<string>(Object.values(SPECIAL_TOKENS));
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: entries
      .map((e, id) => ({ e, id }))
      .filter(({ e }) => special.has(e.token))
      .map(({ e, id }) => ({
        id,
        content: e.token,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: SPECIAL_TOKENS.unk },
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}
