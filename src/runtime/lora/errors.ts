/** A LoRA file that cannot be read or whose tensors do not form LoRA modules. */
export class LoraFormatError extends Error {
  override readonly name = 'LoraFormatError';
}

/** A LoRA that cannot be merged into a model (nothing matched, a shape mismatch, a bad strength). */
export class LoraMergeError extends Error {
  override readonly name = 'LoraMergeError';
}
