import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { ModelServices } from '../models/model-services';
import { modelSetFromManifest } from '../models/model-set';
import type { PackHandle } from '../models/pack-handle';
import { openPackFromUrl } from '../models/url-pack';
import type { OrtBackend } from '../ort/model-session';
import { SessionPool } from '../ort/session-pool';
import { loadPackFromDir } from '../pack/load-pack';

/** Where the CLI keeps the generated reference pack (git-ignored). */
export const REFERENCE_PACK_DIR = resolve(import.meta.dirname, '../../../public/packs/shapes-world');

export interface NodeModelServicesOptions {
  readonly backend: OrtBackend;
  /** Model bytes kept loaded across runs (default 2 GiB). */
  readonly budgetBytes?: number;
  /** Resolves relative pack folders (default: the working directory). */
  readonly baseDir?: string;
  /** Makes sure the reference pack exists before it is opened (generates it on first use). */
  readonly ensureReferencePack?: (dir: string) => Promise<unknown>;
}

async function openPackDir(dir: string): Promise<PackHandle> {
  const pack = await loadPackFromDir(dir);
  const manifestBytes = await readFile(join(pack.dir, 'manifest.json'));
  return {
    source: pack.dir,
    id: createHash('sha256').update(manifestBytes).digest('hex'),
    models: modelSetFromManifest(pack.manifest),
    async readFile(file) {
      const bytes = pack.bytes.get(file);
      if (!bytes) throw new Error(`${file} is not listed in the manifest of ${pack.dir}`);
      return bytes;
    },
    localPath: (file) => pack.paths.get(file),
  };
}

/**
 * Model services for headless runs: packs from folders (checked once per
 * process; `reference` is the generated shapes-world pack) and one session pool.
 */
export function createNodeModelServices(options: NodeModelServicesOptions): ModelServices {
  const packs = new Map<string, Promise<PackHandle>>();
  const pool = new SessionPool(options.backend, options.budgetBytes ?? 2 * 1024 ** 3);
  return {
    pool,
    openPack(source, signal) {
      if (/^https?:\/\//i.test(source)) {
        // Fetched and sha256-checked like in the browser; kept in memory for this process.
        let pack = packs.get(source);
        if (!pack) {
          pack = openPackFromUrl(source, source, { fetch: globalThis.fetch }, signal);
          packs.set(source, pack);
          pack.catch(() => packs.delete(source));
        }
        return pack;
      }
      const dir =
        source === 'reference' || source === ''
          ? REFERENCE_PACK_DIR
          : isAbsolute(source)
            ? source
            : resolve(options.baseDir ?? '.', source);
      let pack = packs.get(dir);
      if (!pack) {
        const ensure =
          dir === REFERENCE_PACK_DIR && options.ensureReferencePack
            ? options.ensureReferencePack(dir)
            : Promise.resolve();
        pack = ensure.then(() => openPackDir(dir));
        packs.set(dir, pack);
        pack.catch(() => packs.delete(dir));
      }
      return pack;
    },
  };
}
