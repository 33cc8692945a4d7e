/**
 * A model source given as a URL, whatever it holds: a kosmograph pack (manifest.json, opened by
 * url-pack.ts) or a Stable Diffusion ONNX checkpoint folder (model_index.json, opened through a
 * URL FolderReader). The browser runtime and the headless runner both open URLs with this.
 */
import type { PackLoadProgress } from '../host-types';
import { PackError } from '../pack/manifest';
import { openCheckpoint } from './checkpoint/open-checkpoint';
import { EXPECTED_LAYOUTS } from './checkpoint/recognise';
import type { ModelFileStore } from './model-store';
import type { PackHandle } from './pack-handle';
import { urlFolderReader } from './url-folder';
import { openPackFromUrl, type PackFetchEnv } from './url-pack';

export interface UrlSourceEnv extends PackFetchEnv {
  /** Where a checkpoint's downloaded files are kept (OPFS in the browser; default memory). */
  readonly store?: ModelFileStore | undefined;
}

/** The folder URL of a model source (`.../m/`, `.../m/manifest.json` or `.../m/model_index.json`). */
export function modelBaseUrl(source: string, relativeTo: string): URL {
  const url = new URL(source, relativeTo);
  url.search = '';
  url.hash = '';
  if (/\/(manifest|model_index)\.json$/.test(url.pathname)) return new URL('./', url);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/**
 * Opens the model source at a URL: a pack when the folder has manifest.json, else a checkpoint
 * when it has model_index.json (each file streamed through sha256 into the store, with
 * progress), else an error saying what was expected there.
 */
export async function openUrlSource(
  source: string,
  relativeTo: string,
  env: UrlSourceEnv,
  signal: AbortSignal,
  onProgress?: (progress: PackLoadProgress) => void,
): Promise<PackHandle> {
  const base = modelBaseUrl(source, relativeTo);
  const reader = urlFolderReader(base, env, onProgress ? { onProgress } : {});
  if (await reader.exists('manifest.json', signal))
    return openPackFromUrl(base.href, relativeTo, env, signal, onProgress);
  if (await reader.exists('model_index.json', signal)) return openCheckpoint(reader, base.href, signal);
  throw new PackError(
    new URL('manifest.json', base).href,
    `cannot fetch: HTTP ${await reader.status('manifest.json', signal)}, and there is no model_index.json beside it either: expected ${EXPECTED_LAYOUTS}`,
  );
}
