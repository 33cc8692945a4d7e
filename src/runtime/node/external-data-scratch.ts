/**
 * A private scratch folder for a model rewritten in memory whose changed weights stay external
 * (LoRAs merged into a U-Net with external data): it holds hard links to the model's own external
 * data files, under the locations the model names, plus one file the changed tensors are appended
 * to. Hard links, because ONNX Runtime resolves symbolic links and refuses external data outside
 * the folder it is given; they need the scratch folder on the model's file system, so it is made
 * in the system temp folder or in kosmograph's cache folder, whichever shares it, else not at all
 * (the caller then inlines the changed tensors, at the cost of holding them in memory).
 * ONNX Runtime is pointed at this folder, so it reads the unchanged weights from the user's files
 * and the changed ones from the scratch file: no tensor is held in JS memory twice, and the
 * user's folder is never written. The folder is removed once the session is created (ONNX Runtime
 * has read or mapped the files by then; an unlinked file stays readable while mapped).
 */
import { link, mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import type { ExternalDataScratch } from '../models/model-services';

/** The scratch file's location in the rewritten model. */
export const MERGED_DATA_LOCATION = 'kosmograph-merged.data';
const ALIGN = 4096;

/**
 * Creates the scratch folder with a link per external data file: `files` maps the location the
 * model names (relative, checked to stay inside) to the file's absolute path.
 */
export async function createExternalDataScratch(
  files: ReadonlyMap<string, string>,
  linkFile: (target: string, dest: string) => Promise<void> = link,
): Promise<ExternalDataScratch | undefined> {
  const cache = process.env.KOSMOGRAPH_CACHE_DIR ?? join(homedir(), '.cache', 'kosmograph');
  for (const parent of [tmpdir(), join(cache, 'scratch')]) {
    const scratch = await scratchIn(parent, files, linkFile).catch(() => undefined);
    if (scratch) return scratch;
  }
  return undefined;
}

async function scratchIn(
  parent: string,
  files: ReadonlyMap<string, string>,
  linkFile: (target: string, dest: string) => Promise<void>,
): Promise<ExternalDataScratch> {
  await mkdir(parent, { recursive: true });
  const folder = await mkdtemp(join(parent, 'kosmograph-merge-'));
  try {
    for (const [location, target] of files) {
      const rel = normalize(location);
      if (rel.startsWith('..') || rel.startsWith(sep) || rel === MERGED_DATA_LOCATION)
        throw new Error(`external data location "${location}" cannot be linked`);
      await mkdir(dirname(join(folder, rel)), { recursive: true });
      await linkFile(target, join(folder, rel));
    }
    const handle = await open(join(folder, MERGED_DATA_LOCATION), 'w');
    let offset = 0;
    let closed = false;
    return {
      folder,
      async sink(_initializer, bytes) {
        const start = Math.ceil(offset / ALIGN) * ALIGN;
        await handle.write(bytes, 0, bytes.byteLength, start);
        offset = start + bytes.byteLength;
        return { location: MERGED_DATA_LOCATION, offset: start, length: bytes.byteLength };
      },
      async finish() {
        if (!closed) {
          closed = true;
          await handle.close();
        }
      },
      async remove() {
        if (!closed) {
          closed = true;
          await handle.close().catch(() => undefined);
        }
        await rm(folder, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
}
