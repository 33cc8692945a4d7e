import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ProgressModelServices } from '../host-types';
import { openCheckpoint } from '../models/checkpoint/open-checkpoint';
import { looksLikeControlnetFolder, openControlnetFolder } from '../models/checkpoint/open-controlnet';
import { modelSetFromManifest } from '../models/model-set';
import { memoryModelStore } from '../models/model-store';
import type { PackHandle } from '../models/pack-handle';
import { openUrlSource } from '../models/url-source';
import type { ModelSource, OrtBackend } from '../ort/model-session';
import { SessionPool } from '../ort/session-pool';
import { loadManifest, manifestFiles, PackError } from '../pack/manifest';
import { createExternalDataScratch } from './external-data-scratch';
import { createFileHashCache, type FileHashCache } from './file-hash-cache';
import { type FilePolicy, trustedFilePolicy } from './file-policy';
import { isKosmosGDir, openKosmosGDir } from './kosmos-g-dir';
import { nodeFolderReader } from './node-folder';
import { VerifiedFiles } from './verified-files';

/** Where the CLI keeps the generated reference pack (git-ignored). */
export const REFERENCE_PACK_DIR = resolve(import.meta.dirname, '../../../public/packs/shapes-world');

export interface NodeModelServicesOptions {
  readonly backend: OrtBackend;
  /** Model bytes kept loaded across runs (default: half the machine's memory, at least 2 GiB). */
  readonly budgetBytes?: number;
  /** Resolves relative pack folders (default: the working directory). */
  readonly baseDir?: string;
  /** Makes sure the reference pack exists before it is opened (generates it on first use). */
  readonly ensureReferencePack?: (dir: string) => Promise<unknown>;
  /** Remembers file hashes across starts (default: ~/.cache/kosmograph/sha256.json). */
  readonly hashes?: FileHashCache;
  /**
   * What model sources a graph may name (folders, files in them, URL origins); default
   * `trustedFilePolicy()`. The reference pack is always allowed.
   */
  readonly policy?: FilePolicy;
}

/** How a folder is read: the hash memory, the policy, and where verified identities go. */
interface FolderContext {
  readonly hashes: FileHashCache;
  readonly policy: FilePolicy;
  readonly verified: VerifiedFiles;
}

/**
 * Opens a kosmograph pack folder: manifest.json validated, every listed file's sha256 streamed
 * and compared before the handle exists (no file is read whole here); files are read when a
 * node needs their bytes, and sessions open by path.
 */
async function openPackDir(dir: string, ctx: FolderContext, signal: AbortSignal): Promise<PackHandle> {
  const manifestPath = join(dir, 'manifest.json');
  const manifestBytes = Buffer.from(await ctx.policy.readFile(manifestPath));
  let json: unknown;
  try {
    json = JSON.parse(manifestBytes.toString('utf8'));
  } catch {
    // Not the parser's message: it quotes the file's first characters.
    throw new PackError(manifestPath, 'not valid JSON');
  }
  const manifest = loadManifest(json, manifestPath);
  const paths = new Map<string, string>();
  const sizes = new Map<string, number>();
  for (const entry of manifestFiles(manifest)) {
    const path = join(dir, entry.file);
    let actual: string;
    try {
      actual = await ctx.hashes.sha256Verified(path, ctx.policy, ctx.verified, signal);
      sizes.set(entry.file, (await stat(path)).size);
    } catch (error) {
      signal.throwIfAborted();
      throw new PackError(
        path,
        `file of component ${entry.component} is missing or unreadable (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    if (actual !== entry.sha256) {
      throw new PackError(
        path,
        `sha256 mismatch for component ${entry.component}: manifest says ${entry.sha256}, file has ${actual}`,
      );
    }
    paths.set(entry.file, path);
  }
  return {
    source: dir,
    id: createHash('sha256').update(manifestBytes).digest('hex'),
    models: modelSetFromManifest(manifest),
    async readFile(file) {
      const path = paths.get(file);
      if (!path) throw new Error(`${file} is not listed in the manifest of ${dir}`);
      return ctx.verified.read(path);
    },
    localPath: (file) => paths.get(file),
    fileSize: (file) => sizes.get(file),
    async readRange(file, offset, length) {
      const path = paths.get(file);
      if (!path) throw new Error(`${file} is not listed in the manifest of ${dir}`);
      return ctx.verified.read(path, offset, length);
    },
  };
}

/** A folder headless: a kosmograph pack when it has manifest.json, else a checkpoint folder. */
async function openFolder(dir: string, ctx: FolderContext, signal: AbortSignal): Promise<PackHandle> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new PackError(dir, 'model folder not found');
  if (!info.isDirectory()) throw new PackError(dir, 'is a file; a model source is a folder');
  const isPack = await stat(join(dir, 'manifest.json')).then(
    () => true,
    () => false,
  );
  if (isPack) return openPackDir(dir, ctx, signal);
  if (await isKosmosGDir(dir)) {
    return openKosmosGDir(
      dir,
      {
        readFile: (path) => ctx.policy.readFile(path),
        sha256: (path, s) => ctx.hashes.sha256Verified(path, ctx.policy, ctx.verified, s),
        read: (path, offset, length) => ctx.verified.read(path, offset, length),
      },
      signal,
    );
  }
  const reader = nodeFolderReader(dir, ctx.hashes, { policy: ctx.policy, verified: ctx.verified });
  const files = await reader.list(signal);
  if (files && looksLikeControlnetFolder(files)) return openControlnetFolder(reader, dir, signal);
  return openCheckpoint(reader, dir, signal);
}

/**
 * The backend with every session made from a file confirmed against the verified identities of
 * its folder (model and external data) before and after ONNX Runtime reads it.
 */
function verifyingBackend(backend: OrtBackend, verified: VerifiedFiles): OrtBackend {
  const folderOf = (model: ModelSource) =>
    model.externalDataFolder ?? (model.filePath !== undefined ? dirname(model.filePath) : undefined);
  return {
    name: backend.name,
    ...(backend.opensFiles !== undefined ? { opensFiles: backend.opensFiles } : {}),
    ...(backend.checkModelSize ? { checkModelSize: backend.checkModelSize.bind(backend) } : {}),
    async createSession(model, label) {
      const folder = folderOf(model);
      if (folder === undefined) return backend.createSession(model, label);
      await verified.confirmFolder(folder);
      const session = await backend.createSession(model, label);
      try {
        await verified.confirmFolder(folder);
      } catch (error) {
        await session.release().catch(() => undefined);
        throw error;
      }
      return session;
    },
  };
}

/**
 * Model services for headless runs: model sources from folders (kosmograph packs and SD1.5
 * checkpoint folders, checked once per process; `reference` is the generated shapes-world pack)
 * and one session pool. Folders and URLs a graph names are read under `options.policy`; what
 * was verified is what sessions load (`verified-files.ts`).
 */
export function createNodeModelServices(options: NodeModelServicesOptions): ProgressModelServices {
  const packs = new Map<string, Promise<PackHandle>>();
  const verified = new VerifiedFiles();
  const pool = new SessionPool(
    verifyingBackend(options.backend, verified),
    options.budgetBytes ?? Math.max(2 * 1024 ** 3, totalmem() / 2),
  );
  const hashes = options.hashes ?? createFileHashCache();
  const policy = options.policy ?? trustedFilePolicy();
  const builtIn = trustedFilePolicy();
  const remember = (key: string, open: () => Promise<PackHandle>) => {
    let pack = packs.get(key);
    if (!pack) {
      pack = open();
      packs.set(key, pack);
      pack.catch(() => packs.delete(key));
    }
    return pack;
  };
  return {
    pool,
    // Links go through the verified identities: a swapped or rewritten file is refused, not linked.
    createExternalDataScratch: (files) =>
      createExternalDataScratch(files, (target, dest) => verified.linkVerified(target, dest)),
    openPack(source, signal, onProgress) {
      if (/^https?:\/\//i.test(source)) {
        // A pack (manifest.json) or a checkpoint folder (model_index.json), fetched and
        // sha256-checked (streamed) like in the browser; kept in memory for this process.
        return remember(source, () =>
          // The node that opens it first sees its downloads' bytes (its `loading` stage).
          openUrlSource(
            source,
            source,
            { fetch: policy.fetch, store: memoryModelStore() },
            signal,
            onProgress,
          ),
        );
      }
      const dir =
        source === 'reference' || source === ''
          ? REFERENCE_PACK_DIR
          : isAbsolute(source)
            ? source
            : resolve(options.baseDir ?? '.', source);
      return remember(dir, async () => {
        const reference = dir === REFERENCE_PACK_DIR;
        if (reference && options.ensureReferencePack) await options.ensureReferencePack(dir);
        if (!reference && (await stat(dir).catch(() => undefined))) await policy.allowFolder(dir);
        const ctx = { hashes, policy: reference ? builtIn : policy, verified };
        // Opening is shared by every node that names this source: one node's cancel must not fail the others.
        return openFolder(dir, ctx, new AbortController().signal);
      });
    },
  };
}
