/**
 * CLIP's BPE tokenizer from the files diffusers' checkpoints ship (`tokenizer/vocab.json` and
 * `tokenizer/merges.txt`, the slow `CLIPTokenizer`'s files), as the equivalent `tokenizer.json`
 * that `loadTokenizer` runs: the layout HuggingFace's own slow-to-fast converter writes for CLIP
 * (NFC, whitespace collapse, lowercase; CLIP's split regex; byte-level; BPE with `</w>`).
 *
 * The slow tokenizer the SD pipelines use also cleans the text first (ftfy's `fix_text` and HTML
 * unescaping when ftfy is installed, which it is wherever open_clip is); {@link clipCleanText}
 * does the part of that which changes tokens in practice. It is our own because no JavaScript port
 * of ftfy exists; the golden token ids of test/fixtures/sd15 check it.
 */
import { z } from 'zod';
import { jsonErrorWhere } from '../../core/json-error';

const vocabSchema = z.record(z.string(), z.number().int().nonnegative());

const CLIP_SPLIT =
  "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: it ${jsonErrorWhere(error)}`);
  }
}

/** Parses `merges.txt`: an optional `#version` line, then one `a b` pair per line. */
export function parseMerges(text: string, file: string): string[] {
  const lines = text.split(/\r?\n/);
  const merges: string[] = [];
  lines.forEach((line, i) => {
    if (line === '' || (i === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || !parts[0] || !parts[1])
      throw new Error(
        `${file} line ${i + 1}: expected a merge "a b", got ${JSON.stringify(line.slice(0, 40))}`,
      );
    merges.push(line);
  });
  if (merges.length === 0) throw new Error(`${file} holds no merges: a BPE tokenizer needs merges.txt`);
  return merges;
}

/** The `tokenizer.json` equivalent of a CLIP `vocab.json` + `merges.txt` pair. */
export function clipTokenizerJson(
  vocabText: string,
  mergesText: string,
  files: { vocab: string; merges: string },
): unknown {
  const parsed = vocabSchema.safeParse(parseJson(vocabText, files.vocab));
  if (!parsed.success) throw new Error(`${files.vocab}: expected a JSON object of token -> id`);
  const vocab = parsed.data;
  const merges = parseMerges(mergesText, files.merges);
  const special = ['<|startoftext|>', '<|endoftext|>'].map((content) => {
    const id = vocab[content];
    if (id === undefined) throw new Error(`${files.vocab} lacks CLIP's special token ${content}`);
    return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true };
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special,
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFC' },
        { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
        { type: 'Lowercase' },
      ],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: CLIP_SPLIT }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: null,
    decoder: null,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<|endoftext|>',
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
};

/** Python's `html.unescape` for the common named and numeric entities. */
function htmlUnescape(text: string): string {
  return text.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z]+);/g, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code =
        body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return HTML_ENTITIES[body] ?? whole;
  });
}

/** Windows-1252's characters for the bytes 0x80-0x9f (undefined ones map to the C1 control, as Latin-1). */
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
const CP1252_BYTE = new Map<string, number>([...CP1252_HIGH].map((c, i) => [c, 0x80 + i]));
const MOJIBAKE_RUN = new RegExp(`[\u0080-\u00ff${CP1252_HIGH}]{2,}`, 'g');
/** The C0 controls ftfy removes (all but tab, line feed, form feed, carriage return) and DEL. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is what ftfy does here
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/g;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** ftfy's fix_encoding for the common case: UTF-8 bytes that were decoded as Windows-1252 or Latin-1. */
function fixMojibake(text: string): string {
  return text.replace(MOJIBAKE_RUN, (run) => {
    const bytes = Uint8Array.from([...run], (c) => CP1252_BYTE.get(c) ?? c.charCodeAt(0));
    try {
      return utf8.decode(bytes);
    } catch {
      return run;
    }
  });
}

/**
 * ftfy's default `fix_text` steps that change CLIP tokens: mojibake, control characters, curly
 * quotes, ligatures, full-width forms.
 */
function ftfyFix(text: string): string {
  return (
    fixMojibake(text)
      // remove_control_chars (ftfy keeps tab, line feed, form feed and carriage return)
      .replace(CONTROL_CHARS, '')
      // uncurl_quotes
      .replace(/[\u2018\u2019\u201a\u201b\u2032\u2035]/g, "'")
      .replace(/[\u201c\u201d\u201e\u201f\u2033\u2036]/g, '"')
      // fix_latin_ligatures
      .replace(/[\ufb00-\ufb06\u0132\u0133\u0149\u01c4-\u01cc\u01f1-\u01f3]/g, (c) => c.normalize('NFKC'))
      // fix_character_width: full-width ASCII and the ideographic space
      .replace(/[\uff01-\uff5e\u3000]/g, (c) => c.normalize('NFKC'))
      .normalize('NFC')
  );
}

/**
 * The slow CLIPTokenizer's text cleaning: `whitespace_clean(ftfy.fix_text(text))` (ftfy unescapes
 * HTML entities only in text without a `<`, taking it for HTML otherwise).
 */
export function clipCleanText(text: string): string {
  const fixed = ftfyFix(text.includes('<') ? text : htmlUnescape(text));
  return fixed.replace(/\s+/g, ' ').trim();
}
