import type { OnnxComponent } from '../pack/manifest';
import type { ModelSet } from './model-set';

/**
 * An opened, verified model source as nodes see it: a kosmograph pack or a Stable Diffusion
 * checkpoint folder, with its model set and a way to read any file it lists (sha256-checked
 * before first use). Same shape in Node (a folder) and in the browser (a URL or a picked folder).
 */
export interface PackHandle {
  /** Where the models came from, for messages: a folder path or URL. */
  readonly source: string;
  /** sha256 over the source's identifying content (manifest, or every file's hash): part of cache keys. */
  readonly id: string;
  readonly models: ModelSet;
  /** Bytes of a file the source lists, verified against its sha256. */
  readFile(file: string): Promise<Uint8Array>;
  /** The file's path on disk, for sources opened from a folder headless (sessions open by path). */
  localPath?(file: string): string | undefined;
  /** `length` bytes at `offset` of a listed file (e.g. one tensor of a large external-data file). */
  readRange?(file: string, offset: number, length: number): Promise<Uint8Array>;
  /** The file's size in bytes, where known without reading it. */
  fileSize?(file: string): number | undefined;
}

/** A component's label for messages, e.g. `unet (unet.onnx) of pack shapes-world`. */
export function componentLabel(
  pack: PackHandle,
  name: string,
  component: Pick<OnnxComponent, 'file'>,
): string {
  return `${name} (${component.file}) of ${pack.models.name}`;
}
