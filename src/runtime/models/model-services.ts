import type { StageReporter } from '../../core/node-definition';
import type { PackLoadProgress } from '../host-types';
import type { ExternalTensorSink } from '../lora/merge-lora';
import { float32View } from '../ort/float32-view';
import type { ModelSession, ModelSource } from '../ort/model-session';
import type { SessionPool } from '../ort/session-pool';
import type { OnnxComponent } from '../pack/manifest';
import { componentLabel, type PackHandle } from './pack-handle';

/** What model-using nodes get from the host: packs by source, and pooled sessions. */
export interface ModelServices {
  /** Opens (or returns the already open) pack for a source; `reference` is the built-in pack. */
  openPack(source: string, signal: AbortSignal): Promise<PackHandle>;
  readonly pool: SessionPool;
  /**
   * Headless: a scratch folder linking a model's external data files (location -> absolute path),
   * where a transform stores the tensors it changes; see ExternalDataScratch.
   */
  createExternalDataScratch?(files: ReadonlyMap<string, string>): Promise<ExternalDataScratch | undefined>;
  /**
   * The stages of the node these services were handed to (see `modelServicesReporting`): a
   * session this node has to load reports `loading` and `compiling`, a download its bytes.
   */
  readonly stage?: StageReporter;
}

/**
 * `models` for one node: loading a session, creating it, and downloading a pack's files (where
 * the host's `openPack` reports progress) are told to `stage` as that node's stages.
 */
export function modelServicesReporting(
  models: ModelServices & {
    openPack(
      source: string,
      signal: AbortSignal,
      onProgress?: (progress: PackLoadProgress) => void,
    ): Promise<PackHandle>;
  },
  stage: StageReporter,
): ModelServices {
  const scratch = models.createExternalDataScratch?.bind(models);
  return {
    pool: models.pool,
    stage,
    ...(scratch ? { createExternalDataScratch: scratch } : {}),
    openPack: (source, signal) =>
      models.openPack(source, signal, (progress) => {
        // Only a file being streamed has bytes to tell; a pack opened from memory has none.
        if (progress.bytesTotal === undefined) return;
        stage({
          stage: 'loading',
          model: progress.file,
          bytes: progress.bytesDone ?? 0,
          totalBytes: progress.bytesTotal,
        });
      }),
  };
}

/**
 * A folder ONNX Runtime reads a rewritten model's external data from: links to the model's own
 * files plus a file of changed tensors, filled through `sink`.
 */
export interface ExternalDataScratch {
  readonly folder: string;
  readonly sink: ExternalTensorSink;
  /** Closes the changed-tensor file (before the session reads it). */
  finish(): Promise<void>;
  /** Deletes the folder. */
  remove(): Promise<void>;
}

/** Reads `length` bytes at `offset` of the external data file a model names by `location`. */
export type ExternalRangeReader = (location: string, offset: number, length: number) => Promise<Uint8Array>;

export interface SessionRequest {
  readonly pack: PackHandle;
  readonly name: string;
  readonly component: OnnxComponent;
  /** Identifies a modified model (e.g. LoRAs merged in); part of the pool key. */
  readonly variant?: string;
  /**
   * Produces the modified model bytes from the base bytes. For a model with external data,
   * `external` reads byte ranges of its external files (by the location the model names), so
   * only the tensors a transform changes are read; the result keeps pointing at the others.
   * With `sink` (headless), changed external tensors are stored through it rather than inlined.
   */
  readonly transform?: (
    base: Uint8Array,
    external?: ExternalRangeReader,
    sink?: ExternalTensorSink,
  ) => Promise<Uint8Array>;
  /**
   * Hands `use` the session as ONNX Runtime loaded it (float16 inputs and outputs stay float16),
   * for tools that report a model's interface; nodes get the float32 view (the default).
   */
  readonly raw?: boolean;
}

/**
 * Runs `use` with the pooled session of a pack component, loading it (and
 * applying `transform`) only when the pool does not hold it already.
 */
export async function withSession<T>(
  services: ModelServices,
  request: SessionRequest,
  use: (session: ModelSession) => Promise<T>,
): Promise<T> {
  const { pack, name, component, variant, raw } = request;
  // The role is part of the key so that messages name the component a node asked for.
  const key = `${name}:${component.sha256}${variant ? `+${variant}` : ''}`;
  const label = componentLabel(pack, name, component);
  let loaded = false;
  const lease = await services.pool.acquire(key, label, async (): Promise<ModelSource> => {
    loaded = true;
    const source = await loadModelSource(services, request, label);
    // The pool creates the session from this source next: ONNX Runtime's graph optimisation.
    services.stage?.({ stage: 'compiling', model: label });
    return source;
  });
  try {
    if (loaded) services.stage?.({ stage: 'running' });
    return await use(raw ? lease.session : float32View(lease.session));
  } finally {
    lease.done();
  }
}

/** The bytes or file path a session is created from, with the loading told as a stage. */
async function loadModelSource(
  services: ModelServices,
  request: SessionRequest,
  label: string,
): Promise<ModelSource> {
  const { pack, component, transform } = request;
  const external = component.externalData ?? [];
  const allSizes = [component.file, ...external.map((x) => x.file)].map((f) => pack.fileSize?.(f));
  const totalBytes = allSizes.every((s) => s !== undefined) ? allSizes.reduce((n, s) => n + s, 0) : undefined;
  const loading = (bytes: number) =>
    services.stage?.({
      stage: 'loading',
      model: label,
      bytes,
      ...(totalBytes !== undefined ? { totalBytes } : {}),
    });
  loading(0);
  let bytesRead = 0;
  const readFile = async (file: string): Promise<Uint8Array> => {
    const bytes = await pack.readFile(file);
    bytesRead += bytes.byteLength;
    loading(bytesRead);
    return bytes;
  };
  const onDisk = pack.localPath?.(component.file);
  if (!transform && onDisk && services.pool.backend.opensFiles) {
    // onnxruntime-node reads the model and its external data itself: nothing is held in JS memory.
    const sizes = [component.file, ...external.map((x) => x.file)].map((f) => pack.fileSize?.(f));
    return {
      filePath: onDisk,
      ...(sizes.every((s) => s !== undefined) ? { sizeBytes: sizes.reduce((n, s) => n + s, 0) } : {}),
    };
  }
  const sizes = [component.file, ...external.map((x) => x.file)].map((file) => ({
    file,
    bytes: pack.fileSize?.(file),
  }));
  if (services.pool.backend.checkModelSize && sizes.every((s) => s.bytes !== undefined))
    // Before the bytes are read: a model the backend cannot hold fails naming the file and the limit.
    services.pool.backend.checkModelSize(
      sizes.map((s) => ({ file: s.file, bytes: s.bytes! })),
      label,
    );
  const base = await readFile(component.file);
  const folder = component.file.includes('/')
    ? component.file.slice(0, component.file.lastIndexOf('/') + 1)
    : '';
  if (transform && external.length === 0) return { bytes: await transform(base) };
  if (transform) {
    const listed = new Set(external.map((x) => x.file));
    const fileOf = (location: string) => {
      const file = `${folder}${location}`;
      if (!listed.has(file))
        throw new Error(`${label} names external data "${location}", which is not one of its files`);
      return file;
    };
    if (onDisk && services.pool.backend.opensFiles && pack.readRange) {
      // Only the changed tensors are read, one at a time; every other weight stays in its file on
      // disk, and with a scratch folder the changed ones are written out rather than inlined.
      const readRange = pack.readRange.bind(pack);
      const read: ExternalRangeReader = (location, offset, length) =>
        readRange(fileOf(location), offset, length);
      const sizes = external.map((x) => pack.fileSize?.(x.file) ?? 0);
      const modelFolder = onDisk.slice(0, Math.max(onDisk.lastIndexOf('/'), onDisk.lastIndexOf('\\')));
      const linked = external.map((x) => [x.file.slice(folder.length), pack.localPath?.(x.file)] as const);
      const scratch =
        services.createExternalDataScratch && linked.every(([, path]) => path !== undefined)
          ? await services.createExternalDataScratch(new Map(linked as [string, string][]))
          : undefined;
      if (scratch) {
        try {
          const bytes = await transform(base, read, scratch.sink);
          await scratch.finish();
          return {
            bytes,
            externalDataFolder: scratch.folder,
            sizeBytes: bytes.byteLength + sizes.reduce((n, s) => n + s, 0),
            afterLoad: () => scratch.remove(),
          };
        } catch (error) {
          await scratch.remove();
          throw error;
        }
      }
      const bytes = await transform(base, read);
      return {
        bytes,
        externalDataFolder: modelFolder,
        sizeBytes: bytes.byteLength + sizes.reduce((n, s) => n + s, 0),
      };
    }
    // Backends that take bytes get the external files whole anyway: read ranges from them.
    const files = new Map(
      await Promise.all(external.map(async (x) => [x.file, await readFile(x.file)] as const)),
    );
    const bytes = await transform(base, async (location, offset, length) => {
      const data = files.get(fileOf(location))!;
      if (offset + length > data.byteLength)
        throw new Error(`${label}: external data ${location} is shorter than the model says`);
      return data.slice(offset, offset + length);
    });
    return {
      bytes,
      externalData: [...files].map(([file, data]) => ({ path: file.slice(folder.length), data })),
    };
  }
  const externalData = await Promise.all(
    external.map(async (x) => {
      if (!x.file.startsWith(folder))
        throw new Error(`${label}: external data ${x.file} must sit in the model's folder`);
      return { path: x.file.slice(folder.length), data: await readFile(x.file) };
    }),
  );
  const filePath = pack.localPath?.(component.file);
  return {
    bytes: base,
    ...(externalData.length > 0 ? { externalData } : {}),
    ...(filePath ? { filePath } : {}),
  };
}
