/**
 * HuggingFace `tokenizer.json` loading for the runtime (CLIP BPE, SentencePiece BPE/Unigram, WordLevel).
 *
 * The tokenisation itself is done by `@huggingface/tokenizers` (tokenizers.js: pure JS, no WASM, no
 * network; works in Node and in a browser worker). It is wrapped behind {@link TextTokenizer} so nothing
 * of the library's types leaks out. This module never touches the file system: callers hand it the parsed
 * JSON and a file name for error messages.
 *
 * At the edge the file is checked with zod (top-level shape, model type, the normalizer and pre-tokenizer
 * components we know to behave like the Rust `tokenizers` crate), and a few components are rewritten into
 * equivalent forms where tokenizers.js 0.2 deviates from the Rust crate:
 * - `Whitespace` uses an ASCII `\w` in tokenizers.js; Rust uses Unicode `\w`. We rewrite it into a
 *   `Split` with the same regex, which tokenizers.js compiles with Oniguruma (Unicode) semantics.
 * - `Metaspace` ignores `split` (default true in Rust: split before every `▁`, merged with the next piece)
 *   and the legacy `add_prefix_space` flag. We rewrite it into Metaspace (no split) + a `Split` that keeps
 *   `▁`-led pieces, and map `add_prefix_space: false` to `prepend_scheme: "never"`.
 * - `post_processor` and `decoder` are dropped: {@link TextTokenizer.encode} returns ids without special
 *   tokens, and we do not decode.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { z } from 'zod';

/** A text tokenizer loaded from a HuggingFace `tokenizer.json`. */
export interface TextTokenizer {
  /** Token ids of `text`, without any special tokens added (added tokens inside the text are matched). */
  encode(text: string): number[];
  /** The id of a token string (model vocabulary or added token), or undefined. */
  tokenToId(token: string): number | undefined;
  /** The token string of an id, or undefined. */
  idToToken(id: number): string | undefined;
  /** Highest id in the vocabulary (model + added tokens) plus one: the embedding table size. */
  readonly vocabSize: number;
}

const idSchema = z.number().int().nonnegative();
const vocabRecordSchema = z.record(z.string(), idSchema);

const addedTokenSchema = z.looseObject({
  id: idSchema,
  content: z.string().min(1),
  special: z.boolean().optional(),
  normalized: z.boolean().optional(),
  lstrip: z.boolean().optional(),
  rstrip: z.boolean().optional(),
  single_word: z.boolean().optional(),
});

const bpeModelSchema = z.looseObject({
  type: z.literal('BPE'),
  vocab: vocabRecordSchema,
  merges: z.array(z.union([z.string(), z.tuple([z.string(), z.string()])])),
  unk_token: z.string().nullish(),
  dropout: z
    .number()
    .nullish()
    .refine(
      (d) => d === null || d === undefined || d === 0,
      'BPE dropout is not supported (not deterministic)',
    ),
  continuing_subword_prefix: z
    .string()
    .nullish()
    .refine((p) => !p, 'a non-empty continuing_subword_prefix is not supported'),
  end_of_word_suffix: z.string().nullish(),
  fuse_unk: z.boolean().optional(),
  byte_fallback: z.boolean().optional(),
  ignore_merges: z.boolean().optional(),
});

const unigramModelSchema = z.looseObject({
  type: z.literal('Unigram'),
  vocab: z.array(z.tuple([z.string(), z.number()])).min(1),
  unk_id: idSchema,
  byte_fallback: z
    .boolean()
    .optional()
    .refine((b) => b !== true, 'Unigram byte_fallback is not supported'),
});

const wordLevelModelSchema = z.looseObject({
  type: z.literal('WordLevel'),
  vocab: vocabRecordSchema,
  unk_token: z.string(),
});

const modelSchema = z.discriminatedUnion('type', [bpeModelSchema, unigramModelSchema, wordLevelModelSchema]);

const componentSchema = z.looseObject({ type: z.string() });

const tokenizerJsonSchema = z.looseObject({
  added_tokens: z.array(addedTokenSchema).nullish(),
  normalizer: componentSchema.nullish(),
  pre_tokenizer: componentSchema.nullish(),
  post_processor: z.unknown().optional(),
  decoder: z.unknown().optional(),
  model: modelSchema,
});

type TokenizerJson = z.infer<typeof tokenizerJsonSchema>;
type Component = z.infer<typeof componentSchema>;
type ModelJson = z.infer<typeof modelSchema>;

/** Normalizers whose tokenizers.js implementation matches the Rust crate (Precompiled: NFKC approximation). */
const SUPPORTED_NORMALIZERS = new Set([
  'Sequence',
  'Lowercase',
  'NFC',
  'NFD',
  'NFKC',
  'NFKD',
  'Replace',
  'Prepend',
  'Strip',
  'StripAccents',
  'Precompiled',
]);

const SUPPORTED_PRE_TOKENIZERS = new Set([
  'Sequence',
  'Whitespace',
  'WhitespaceSplit',
  'Metaspace',
  'ByteLevel',
  'Split',
]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Older tokenizer.json files may omit `model.type`; infer it as the Rust crate does. */
function withModelType(json: unknown): unknown {
  if (!isRecord(json) || !isRecord(json.model) || json.model.type !== undefined) return json;
  const m = json.model;
  const type = Array.isArray(m.vocab)
    ? 'Unigram'
    : 'merges' in m
      ? 'BPE'
      : 'continuing_subword_prefix' in m
        ? 'WordPiece'
        : 'WordLevel';
  return { ...json, model: { ...m, type } };
}

function children(c: Component, key: string, where: string): Component[] {
  const list = z.array(componentSchema).safeParse(c[key]);
  if (!list.success) throw new Error(`${where}: Sequence needs an array "${key}" of components`);
  return list.data;
}

function checkNormalizer(c: Component, where: string): Component {
  if (!SUPPORTED_NORMALIZERS.has(c.type)) throw new Error(`${where}: unsupported normalizer type ${c.type}`);
  if (c.type === 'Sequence') {
    const normalizers = children(c, 'normalizers', where).map((n, i) =>
      checkNormalizer(n, `${where}.normalizers[${i}]`),
    );
    return { ...c, normalizers };
  }
  return c;
}

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&');
}

/** Rewrites pre-tokenizers into forms tokenizers.js runs like the Rust crate (see the module comment). */
function preparePreTokenizer(c: Component, where: string): Component {
  if (!SUPPORTED_PRE_TOKENIZERS.has(c.type)) {
    throw new Error(`${where}: unsupported pre_tokenizer type ${c.type}`);
  }
  switch (c.type) {
    case 'Sequence': {
      const pretokenizers = children(c, 'pretokenizers', where).map((p, i) =>
        preparePreTokenizer(p, `${where}.pretokenizers[${i}]`),
      );
      return { ...c, pretokenizers };
    }
    case 'Whitespace':
      return { type: 'Split', pattern: { Regex: '\\w+|[^\\w\\s]+' }, behavior: 'Removed', invert: true };
    case 'Metaspace': {
      const replacement =
        typeof c.replacement === 'string' && c.replacement !== '' ? c.replacement : '\u2581';
      const prepend_scheme =
        typeof c.prepend_scheme === 'string'
          ? c.prepend_scheme
          : c.add_prefix_space === false
            ? 'never'
            : 'always';
      if (!['always', 'first', 'never'].includes(prepend_scheme)) {
        throw new Error(`${where}: unsupported Metaspace prepend_scheme ${prepend_scheme}`);
      }
      const meta: Component = { type: 'Metaspace', replacement, prepend_scheme };
      if (c.split === false) return meta;
      const r = escapeRegex(replacement);
      const split: Component = {
        type: 'Split',
        pattern: { Regex: `${r}[^${r}]*|[^${r}]+` },
        behavior: 'Removed',
        invert: true,
      };
      return { type: 'Sequence', pretokenizers: [meta, split] };
    }
    case 'Split': {
      // tokenizers.js keeps only the matches when inverted, and isolates matches otherwise.
      const behavior = typeof c.behavior === 'string' ? c.behavior : 'Removed';
      const ok =
        c.invert === true ? behavior === 'Removed' : behavior === 'Removed' || behavior === 'Isolated';
      if (!ok) {
        throw new Error(
          `${where}: unsupported Split behavior ${behavior} (invert ${String(c.invert ?? false)})`,
        );
      }
      return c;
    }
    default:
      return c;
  }
}

function maxModelId(model: ModelJson): number {
  if (model.type === 'Unigram') return model.vocab.length - 1;
  let max = -1;
  for (const id of Object.values(model.vocab)) if (id > max) max = id;
  return max;
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

class HfTextTokenizer implements TextTokenizer {
  readonly vocabSize: number;

  constructor(
    private readonly inner: Tokenizer,
    private readonly fileName: string,
    vocabSize: number,
  ) {
    this.vocabSize = vocabSize;
  }

  encode(text: string): number[] {
    const { ids, tokens } = this.inner.encode(text, { add_special_tokens: false });
    ids.forEach((id, i) => {
      if (!Number.isInteger(id)) {
        throw new Error(`${this.fileName}: token ${JSON.stringify(tokens[i])} has no id and no unk_token`);
      }
    });
    return ids;
  }

  tokenToId(token: string): number | undefined {
    return this.inner.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return Number.isInteger(id) && id >= 0 ? this.inner.id_to_token(id) : undefined;
  }
}

/**
 * Builds a {@link TextTokenizer} from a parsed HuggingFace `tokenizer.json`.
 * Supported models: BPE (CLIP with `</w>`, SentencePiece/Llama style with `▁` and byte fallback),
 * Unigram (XLM-R / SentencePiece), WordLevel. Throws an Error starting with `fileName` otherwise.
 */
export function loadTokenizer(json: unknown, fileName: string): TextTokenizer {
  const parsed = tokenizerJsonSchema.safeParse(withModelType(json));
  if (!parsed.success) {
    throw new Error(
      `${fileName}: not a supported tokenizer.json (BPE, Unigram or WordLevel): ${formatIssues(parsed.error)}`,
    );
  }
  const data: TokenizerJson = parsed.data;
  const added = data.added_tokens ?? [];
  const model = data.model;

  let prepared: Record<string, unknown>;
  try {
    prepared = {
      ...data,
      added_tokens: added,
      normalizer: data.normalizer ? checkNormalizer(data.normalizer, 'normalizer') : null,
      pre_tokenizer: data.pre_tokenizer ? preparePreTokenizer(data.pre_tokenizer, 'pre_tokenizer') : null,
      post_processor: null,
      decoder: null,
    };
  } catch (e) {
    throw new Error(`${fileName}: not a supported tokenizer.json: ${(e as Error).message}`);
  }

  const addedIds = new Map(added.map((t) => [t.content, t.id]));
  if (model.type === 'WordLevel' || (model.type === 'BPE' && model.unk_token)) {
    const unk = model.unk_token;
    if (unk && model.vocab[unk] === undefined && !addedIds.has(unk)) {
      throw new Error(`${fileName}: unk_token ${JSON.stringify(unk)} is not in the vocabulary`);
    }
  }
  if (model.type === 'Unigram' && model.unk_id >= model.vocab.length) {
    throw new Error(`${fileName}: unk_id ${model.unk_id} is outside the vocabulary`);
  }

  // tokenizers.js has no WordLevel model; its fallback ("Legacy") model is a WordLevel lookup that takes
  // the unk token from the tokenizer_config object.
  const config: Record<string, unknown> = model.type === 'WordLevel' ? { unk_token: model.unk_token } : {};
  let inner: Tokenizer;
  try {
    inner = new Tokenizer(prepared, config);
  } catch (e) {
    throw new Error(`${fileName}: cannot build tokenizer: ${(e as Error).message}`);
  }

  let maxId = maxModelId(model);
  for (const t of added) if (t.id > maxId) maxId = t.id;
  return new HfTextTokenizer(inner, fileName, maxId + 1);
}
