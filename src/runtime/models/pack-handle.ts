import type { OnnxComponent, PackManifest } from '../pack/manifest';

/**
 * A verified model pack as nodes see it: its manifest and a way to read any
 * file it lists (sha256-checked before first use). Same shape in Node (a
 * folder) and in the browser (a URL or a picked folder).
 */
export interface PackHandle {
  /** Where the pack came from, for messages: a folder path or URL. */
  readonly source: string;
  /** sha256 of manifest.json: identifies the pack's exact content in cache keys. */
  readonly id: string;
  readonly manifest: PackManifest;
  /** Bytes of a file listed in the manifest, verified against its sha256. */
  readFile(file: string): Promise<Uint8Array>;
  /** The file's path on disk, for packs opened from a folder headless. */
  localPath?(file: string): string | undefined;
}

/** A component's label for messages, e.g. `unet (unet.onnx) of pack shapes-world`. */
export function componentLabel(
  pack: PackHandle,
  name: string,
  component: Pick<OnnxComponent, 'file'>,
): string {
  return `${name} (${component.file}) of pack ${pack.manifest.name}`;
}
