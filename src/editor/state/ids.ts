/** Ids for new nodes: a readable base from the node type, made unique with a counter. */

const ID_CHARS = /[^A-Za-z0-9_.:-]/g;

/** `sampling.sampler` -> `sampler`; `conditioning.clip_text_encode` -> `clip_text_encode`. */
export function idBase(type: string): string {
  const last = type.split('.').pop() ?? type;
  const base = last.replace(ID_CHARS, '_').slice(0, 100);
  return base.length > 0 ? base : 'node';
}

/**
 * `base` if free, else the first of `stem_2`, `stem_3`, ... not in `taken`,
 * where the stem is `base` without a `_N` counter (a copy of `sampler_2` is `sampler_3`).
 */
export function uniqueId(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  const stem = base.replace(/_\d+$/, '') || base;
  for (let n = 2; ; n++) {
    const candidate = `${stem}_${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** A fresh id for a node of `type`, not in `taken`. */
export function newNodeId(type: string, taken: ReadonlySet<string>): string {
  return uniqueId(idBase(type), taken);
}
