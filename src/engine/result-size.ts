import type { NodeResult } from '../core/node-definition';

/** What an entry costs beyond its data (the key, the entry, small fields): a flat estimate. */
export const ENTRY_OVERHEAD_BYTES = 256;
/** A handle (an object with methods, a class instance): its memory is budgeted by its owner. */
const HANDLE_BYTES = 64;

const isPlainObject = (value: object): boolean => {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/**
 * Estimated bytes a node result keeps alive: the ArrayBuffers behind its typed arrays (tensors,
 * images, PNG and file bytes), each counted once however many views share it; strings at two
 * bytes a character; 8 per number. Plain objects, arrays, Maps and Sets are walked. Objects with
 * methods and class instances (model handles, packs) are handles to memory their owners budget
 * (the model store, the session pool): they count as a small constant and are not walked, so a
 * pack's tokenizer vocabulary is not charged to every result that refers to the pack.
 *
 * Written here: a size estimate must know which objects are data and which are handles, which
 * no general-purpose "sizeof" library can.
 */
export function estimateResultBytes(result: NodeResult): number {
  const seen = new Set<object>();
  let bytes = ENTRY_OVERHEAD_BYTES;
  const stack: unknown[] = [result.outputs, result.artifacts];
  while (stack.length > 0) {
    const value = stack.pop();
    switch (typeof value) {
      case 'string':
        bytes += 2 * value.length;
        continue;
      case 'number':
      case 'bigint':
      case 'boolean':
        bytes += 8;
        continue;
      case 'object':
        break;
      default:
        continue;
    }
    if (value === null || seen.has(value)) continue;
    seen.add(value);
    if (ArrayBuffer.isView(value)) {
      if (!seen.has(value.buffer)) {
        seen.add(value.buffer);
        bytes += value.buffer.byteLength;
      }
    } else if (value instanceof ArrayBuffer) {
      bytes += value.byteLength;
    } else if (typeof Blob !== 'undefined' && value instanceof Blob) {
      bytes += value.size;
    } else if (Array.isArray(value)) {
      bytes += 8 * value.length;
      for (const item of value) stack.push(item);
    } else if (value instanceof Map) {
      for (const [k, v] of value) stack.push(k, v);
    } else if (value instanceof Set) {
      for (const item of value) stack.push(item);
    } else if (isPlainObject(value)) {
      const entries = Object.entries(value);
      if (entries.some(([, v]) => typeof v === 'function')) {
        bytes += HANDLE_BYTES;
        continue;
      }
      for (const [k, v] of entries) stack.push(k, v);
    } else {
      bytes += HANDLE_BYTES;
    }
  }
  return bytes;
}
