/** Token ids of text without special tokens (any tokenizer). */
export type EncodeText = (text: string) => number[];

export interface InterleavedIds {
  readonly inputIds: number[];
  /** 1 at the positions that receive image embeddings. */
  readonly imageMask: number[];
  readonly imageCount: number;
}

export interface InterleaveOptions {
  readonly imageTokens: number;
  readonly special: {
    readonly bos: number;
    readonly boi: number;
    readonly eoi: number;
    readonly pad: number;
  };
  /** The marker standing for an image, `<i>`. */
  readonly marker: string;
  /** When given, the marker count must equal it. */
  readonly imageCount?: number;
}

/**
 * The Kosmos-G interleaved layout: `<s>`, then for each marker the text before
 * it, `<image>`, `imageTokens` image positions (pad ids; the mask marks them),
 * `</image>`; then the remaining text.
 */
export function interleavedIds(
  encode: EncodeText,
  prompt: string,
  options: InterleaveOptions,
): InterleavedIds {
  const parts = prompt.split(options.marker);
  const imageCount = parts.length - 1;
  if (options.imageCount !== undefined && options.imageCount !== imageCount) {
    throw new Error(
      `the prompt has ${imageCount} ${options.marker} marker(s) but ${options.imageCount} image(s) are connected`,
    );
  }
  const { bos, boi, eoi, pad } = options.special;
  const inputIds = [bos];
  const imageMask = [0];
  parts.forEach((text, i) => {
    const ids = encode(text);
    inputIds.push(...ids);
    imageMask.push(...ids.map(() => 0));
    if (i < parts.length - 1) {
      inputIds.push(boi, ...new Array<number>(options.imageTokens).fill(pad), eoi);
      imageMask.push(0, ...new Array<number>(options.imageTokens).fill(1), 0);
    }
  });
  return { inputIds, imageMask, imageCount };
}
