import { clipCleanText, clipTokenizerJson } from '../tokenizers/clip-bpe-files';
import { loadTokenizer, type TextTokenizer } from '../tokenizers/tokenizer';
import type { PackHandle } from './pack-handle';

const cache = new WeakMap<PackHandle, Promise<TextTokenizer>>();

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function openTokenizer(pack: PackHandle): Promise<TextTokenizer> {
  const component = pack.models.components.tokenizer;
  if (!component) throw new Error(`${pack.models.name} has no tokenizer (expected tokenizer/vocab.json)`);
  if (component.format === 'hf-tokenizer-json') {
    const name = `${component.file} of ${pack.models.name}`;
    let json: unknown;
    try {
      json = JSON.parse(text(await pack.readFile(component.file)));
    } catch {
      throw new Error(`${name} is not valid JSON`);
    }
    return loadTokenizer(json, name);
  }
  const files = {
    vocab: `${component.vocab.file} of ${pack.models.name}`,
    merges: `${component.merges.file} of ${pack.models.name}`,
  };
  const [vocab, merges] = await Promise.all([
    pack.readFile(component.vocab.file),
    pack.readFile(component.merges.file),
  ]);
  const inner = loadTokenizer(clipTokenizerJson(text(vocab), text(merges), files), files.vocab);
  // The slow CLIPTokenizer (what diffusers' pipelines use) cleans the text before tokenizing.
  return {
    encode: (t) => inner.encode(clipCleanText(t)),
    tokenToId: (t) => inner.tokenToId(t),
    idToToken: (id) => inner.idToToken(id),
    vocabSize: inner.vocabSize,
  };
}

/**
 * The source's tokenizer (a HuggingFace tokenizer.json: WordLevel for the reference pack, CLIP BPE
 * or SentencePiece for real ones; or a checkpoint's CLIP vocab.json + merges.txt), parsed once per
 * open source.
 */
export function packTokenizer(pack: PackHandle): Promise<TextTokenizer> {
  let tokenizer = cache.get(pack);
  if (!tokenizer) {
    tokenizer = openTokenizer(pack);
    cache.set(pack, tokenizer);
    tokenizer.catch(() => cache.delete(pack));
  }
  return tokenizer;
}
