import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTokenizer, type TextTokenizer } from './tokenizer';

const FIXTURES = join(import.meta.dirname, '../../../test/fixtures/tokenizers');

function fixtureJson(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
}

function fixture(name: string): TextTokenizer {
  return loadTokenizer(fixtureJson(name), name);
}

const pieces = (tok: TextTokenizer, text: string) => tok.encode(text).map((id) => tok.idToToken(id));

describe('CLIP BPE (</w> suffix, CLIP regex, lowercase + whitespace cleanup)', () => {
  const tok = fixture('clip-bpe-tiny.tokenizer.json');

  it('encodes whole words through the merge chain', () => {
    // a</w> is a base symbol; red</w> = (r e) then (re d</w>); circle</w> needs merges 0,3,4,5,6 in rank order.
    expect(tok.encode('a red circle')).toEqual([20, 39, 38]);
    expect(pieces(tok, 'a red circle')).toEqual(['a</w>', 'red</w>', 'circle</w>']);
  });

  it('applies merges by rank, not left to right', () => {
    // reed: (r e)=1 before (e d</w>)=2; (re ed</w>) is no merge -> re + ed</w>.
    expect(tok.encode('reed')).toEqual([33, 34]);
    // circle: left-to-right would take (c i)=8 first and get stuck at ci r c ...
    expect(pieces(tok, 'circle')).toEqual(['circle</w>']);
    // cider: (c i)=8 is the only applicable merge.
    expect(tok.encode('cider')).toEqual([40, 7, 8, 29]);
    // and: (a n)=9 then (an d</w>)=10.
    expect(tok.encode('and')).toEqual([42]);
  });

  it('lowercases and collapses whitespace', () => {
    expect(tok.encode('  A   RED\t\ncircle ')).toEqual([20, 39, 38]);
    expect(tok.encode('A Red CIRCLE')).toEqual(tok.encode('a red circle'));
  });

  it('splits punctuation and contractions with the CLIP regex', () => {
    expect(tok.encode('a red circle.')).toEqual([20, 39, 38, 18]);
    expect(pieces(tok, "circle's")).toEqual(['circle</w>', "'s</w>"]);
    expect(tok.encode('red,circle!')).toEqual([39, 17, 38, 16]);
  });

  it('maps unknown symbols to the unk id (<|endoftext|>), one per symbol', () => {
    expect(tok.encode('xyz')).toEqual([45, 45, 45]);
    // blue: u is unknown; (l e</w>) does not apply because u sits between.
    expect(tok.encode('blue')).toEqual([5, 10, 45, 24]);
  });

  it('matches added tokens in the text and exposes the vocabulary', () => {
    expect(tok.encode('<|startoftext|>red')).toEqual([44, 39]);
    expect(tok.tokenToId('<|startoftext|>')).toBe(44);
    expect(tok.tokenToId('<|endoftext|>')).toBe(45);
    expect(tok.tokenToId('circle</w>')).toBe(38);
    expect(tok.tokenToId('nope')).toBeUndefined();
    expect(tok.idToToken(39)).toBe('red</w>');
    expect(tok.idToToken(999)).toBeUndefined();
    expect(tok.idToToken(-1)).toBeUndefined();
    expect(tok.vocabSize).toBe(46);
    expect(tok.encode('')).toEqual([]);
  });
});

describe('SentencePiece BPE (Metaspace, byte fallback, fuse_unk)', () => {
  const tok = fixture('sp-bpe-tiny.tokenizer.json');

  it('prepends ▁ and merges by rank', () => {
    expect(tok.encode('hello red')).toEqual([25, 19]);
    expect(pieces(tok, 'hello red')).toEqual(['▁hello', '▁red']);
  });

  it('applies merges by rank, not left to right', () => {
    // After <s> (prepend_scheme "first": no ▁): r e d -> (e d)=2 wins over (r e)=8 -> r + ed.
    expect(tok.encode('<s>red')).toEqual([1, 14, 18]);
  });

  it('splits before every ▁ (Metaspace split: true)', () => {
    // Split: ▁hello | ▁ | ▁red. Without the split, (▁ ▁)=0 would merge across words.
    expect(tok.encode('hello  red')).toEqual([25, 5, 19]);
    const json = fixtureJson('sp-bpe-tiny.tokenizer.json');
    const noSplit = loadTokenizer(
      {
        ...json,
        pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
      },
      'no-split.json',
    );
    expect(pieces(noSplit, 'hello  red')).toEqual(['▁hello', '▁▁', 'r', 'ed']);
  });

  it('falls back to bytes for unknown characters, else to one fused unk', () => {
    // café: (▁ c)=10, (a f)=11, é -> <0xC3><0xA9>.
    expect(tok.encode('café')).toEqual([26, 27, 3, 4]);
    // ü = C3 BC, <0xBC> missing -> <unk>; consecutive unks fuse.
    expect(tok.encode('wü')).toEqual([5, 15, 0]);
    expect(tok.encode('üü')).toEqual([5, 0]);
  });

  it('is case sensitive without a normalizer', () => {
    expect(pieces(tok, 'Hello')).toEqual(['▁', '<unk>', 'ell', 'o']);
  });
});

describe('SentencePiece Unigram (Viterbi, legacy Metaspace add_prefix_space)', () => {
  const tok = fixture('sp-unigram-tiny.tokenizer.json');

  it('picks the best-scoring segmentation, not the longest match', () => {
    expect(tok.encode('a red circle')).toEqual([5, 6, 11]);
    // ▁re + do = -6 beats ▁red + o = -10.
    expect(pieces(tok, 'redo')).toEqual(['▁re', 'do']);
  });

  it('maps unknown characters to one fused unk', () => {
    expect(tok.encode('xyz')).toEqual([4, 3]);
    expect(tok.vocabSize).toBe(15);
  });
});

describe('WordLevel (Lowercase + Whitespace)', () => {
  const tok = fixture('wordlevel-tiny.tokenizer.json');

  it('lowercases and splits words and punctuation runs', () => {
    expect(tok.encode('A  Red, circle!')).toEqual([2, 3, 7, 4, 9]);
    expect(tok.encode('red!!')).toEqual([3, 0]);
  });

  it('uses Unicode word characters like the Rust crate', () => {
    expect(tok.encode('Café')).toEqual([8]);
  });

  it('maps unknown words to the unk id', () => {
    expect(tok.encode('a green circle')).toEqual([2, 0, 4]);
    expect(tok.vocabSize).toBe(10);
  });

  it('supports WhitespaceSplit', () => {
    const json = fixtureJson('wordlevel-tiny.tokenizer.json');
    const ws = loadTokenizer({ ...json, pre_tokenizer: { type: 'WhitespaceSplit' } }, 'ws.json');
    expect(ws.encode('Red, circle')).toEqual([0, 4]);
  });

  it('accepts a file without added_tokens or model.type', () => {
    const json = fixtureJson('wordlevel-tiny.tokenizer.json');
    const model = { ...(json.model as Record<string, unknown>) };
    delete model.type;
    const bare = loadTokenizer(
      { model, normalizer: null, pre_tokenizer: { type: 'Whitespace' } },
      'bare.json',
    );
    expect(bare.encode('red Blue')).toEqual([3, 0]);
  });
});

describe('invalid or unsupported tokenizer.json', () => {
  const wordLevel = () => fixtureJson('wordlevel-tiny.tokenizer.json');

  it('names the file for a non-object or a missing model', () => {
    expect(() => loadTokenizer('nope', 'bad.json')).toThrow(/^bad\.json: not a supported tokenizer\.json/);
    expect(() => loadTokenizer({}, 'models/empty.json')).toThrow(/^models\/empty\.json: .*model/);
  });

  it('rejects an unsupported model type', () => {
    const json = { ...wordLevel(), model: { type: 'WordPiece', vocab: { a: 0 }, unk_token: 'a' } };
    expect(() => loadTokenizer(json, 'wp.json')).toThrow(/^wp\.json: .*model\.type/);
  });

  it('rejects unsupported components with their path', () => {
    const norm = { ...wordLevel(), normalizer: { type: 'Sequence', normalizers: [{ type: 'Bogus' }] } };
    expect(() => loadTokenizer(norm, 'n.json')).toThrow(
      /^n\.json: .*normalizer\.normalizers\[0\]: unsupported normalizer type Bogus/,
    );
    const pre = { ...wordLevel(), pre_tokenizer: { type: 'Punctuation' } };
    expect(() => loadTokenizer(pre, 'p.json')).toThrow(
      /^p\.json: .*unsupported pre_tokenizer type Punctuation/,
    );
    const split = {
      ...wordLevel(),
      pre_tokenizer: { type: 'Split', pattern: { String: ' ' }, behavior: 'MergedWithNext', invert: false },
    };
    expect(() => loadTokenizer(split, 's.json')).toThrow(/^s\.json: .*Split behavior MergedWithNext/);
  });

  it('rejects a bad vocabulary or an unk token outside it', () => {
    const badVocab = { ...wordLevel(), model: { type: 'WordLevel', vocab: { a: -1 }, unk_token: 'a' } };
    expect(() => loadTokenizer(badVocab, 'v.json')).toThrow(/^v\.json: .*model\.vocab\.a/);
    const noUnk = { ...wordLevel(), model: { type: 'WordLevel', vocab: { a: 0 }, unk_token: '<unk>' } };
    expect(() => loadTokenizer(noUnk, 'u.json')).toThrow(
      /^u\.json: unk_token "<unk>" is not in the vocabulary/,
    );
  });

  it('rejects BPE dropout', () => {
    const json = fixtureJson('clip-bpe-tiny.tokenizer.json');
    const model = { ...(json.model as Record<string, unknown>), dropout: 0.1 };
    expect(() => loadTokenizer({ ...json, model }, 'clip.json')).toThrow(/^clip\.json: .*dropout/);
  });
});
