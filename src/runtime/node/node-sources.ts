import { type FilePolicy, trustedFilePolicy } from './file-policy';

export { decodeDataUrl } from './file-policy';

const trusted = trustedFilePolicy();

/**
 * Reads a source headlessly under `policy` (see `file-policy.ts`): data: URLs inline, http(s)
 * URLs fetched once per job from allowed origins, anything else as a regular file under the
 * allowed folders, relative to `baseDir`. Errors name the source, never its contents.
 */
export function readNodeSource(
  source: string,
  baseDir: string,
  signal: AbortSignal,
  policy: FilePolicy = trusted,
): Promise<Uint8Array> {
  return policy.readSource(source, baseDir, signal);
}
