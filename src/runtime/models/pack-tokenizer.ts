import { loadTokenizer, type TextTokenizer } from '../tokenizers/tokenizer';
import type { PackHandle } from './pack-handle';

const cache = new WeakMap<PackHandle, Promise<TextTokenizer>>();

/**
 * The pack's tokenizer (a HuggingFace tokenizer.json: WordLevel for the
 * reference pack, CLIP BPE or SentencePiece for real ones), parsed once per open pack.
 */
export function packTokenizer(pack: PackHandle): Promise<TextTokenizer> {
  let tokenizer = cache.get(pack);
  if (!tokenizer) {
    const { file } = pack.manifest.components.tokenizer;
    const name = `${file} of pack ${pack.manifest.name}`;
    tokenizer = pack.readFile(file).then((bytes) => {
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        throw new Error(`${name} is not valid JSON`);
      }
      return loadTokenizer(json, name);
    });
    cache.set(pack, tokenizer);
  }
  return tokenizer;
}
