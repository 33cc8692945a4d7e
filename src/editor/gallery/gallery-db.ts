import { createStore, del, delMany, get, set, setMany, type UseStore } from 'idb-keyval';
import { z } from 'zod';
import { type GalleryEntry, galleryEntrySchema } from './gallery-entry';
import { GALLERY_LIMIT, markUsed, removeRun } from './gallery-index';

/**
 * The gallery in IndexedDB (its own database, apart from the autosave): one
 * record per run and an index of run ids, most recently used first, at most
 * GALLERY_LIMIT long. Records that do not parse are skipped, never shown half.
 */
const INDEX_KEY = 'index';
const runKey = (id: string) => `run:${id}`;
const indexSchema = z.array(z.string()).max(100_000);

let db: UseStore | undefined;
const store = (): UseStore => {
  db ??= createStore('kosmograph-gallery', 'runs');
  return db;
};

async function readIndex(): Promise<readonly string[]> {
  const parsed = indexSchema.safeParse(await get(INDEX_KEY, store()));
  return parsed.success ? parsed.data : [];
}

/** Every stored run, most recently used first. */
export async function loadEntries(): Promise<GalleryEntry[]> {
  const ids = await readIndex();
  const out: GalleryEntry[] = [];
  for (const id of ids) {
    const parsed = galleryEntrySchema.safeParse(await get(runKey(id), store()));
    if (parsed.success) out.push(parsed.data as GalleryEntry);
  }
  return out;
}

/** Stores a run as the most recent; returns the ids evicted past `limit`. */
export async function putEntry(entry: GalleryEntry, limit = GALLERY_LIMIT): Promise<readonly string[]> {
  const { ids, evicted } = markUsed(await readIndex(), entry.id, limit);
  await setMany(
    [
      [runKey(entry.id), entry],
      [INDEX_KEY, ids],
    ],
    store(),
  );
  if (evicted.length > 0) await delMany(evicted.map(runKey), store());
  return evicted;
}

/** Marks a run as used now (its graph was opened): it is the last to be evicted. */
export async function touchEntry(id: string): Promise<void> {
  await set(INDEX_KEY, markUsed(await readIndex(), id).ids, store());
}

export async function deleteEntry(id: string): Promise<void> {
  await set(INDEX_KEY, removeRun(await readIndex(), id), store());
  await del(runKey(id), store());
}

export async function clearEntries(): Promise<void> {
  const ids = await readIndex();
  await delMany([INDEX_KEY, ...ids.map(runKey)], store());
}
