import { parseTokenizerJson, type WordLevelTokenizer } from '../pack/world-tokenizer';
import type { PackHandle } from './pack-handle';

const cache = new WeakMap<PackHandle, Promise<WordLevelTokenizer>>();

/** The pack's tokenizer, parsed once per open pack. */
export function packTokenizer(pack: PackHandle): Promise<WordLevelTokenizer> {
  let tokenizer = cache.get(pack);
  if (!tokenizer) {
    const { file } = pack.manifest.components.tokenizer;
    tokenizer = pack.readFile(file).then((bytes) => {
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        throw new Error(`${file} of pack ${pack.manifest.name} is not valid JSON`);
      }
      return parseTokenizerJson(json, `${file} of pack ${pack.manifest.name}`);
    });
    cache.set(pack, tokenizer);
  }
  return tokenizer;
}
