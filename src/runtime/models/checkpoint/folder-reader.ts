/**
 * A folder of model files as the checkpoint opener reads it, whatever holds it: a directory
 * headless, the files of a folder the user picked in the browser, or a URL base. Paths are
 * relative, with `/` separators.
 */
export interface FolderReader {
  /** The folder, for messages (a path, a folder name or a URL). */
  readonly label: string;
  /** Every file below the folder (relative paths); undefined where the folder cannot be listed (a URL). */
  list(signal: AbortSignal): Promise<readonly string[] | undefined>;
  exists(path: string, signal: AbortSignal): Promise<boolean>;
  /** A small file's text (JSON configs, tokenizer files). */
  readText(path: string, signal: AbortSignal): Promise<string>;
  /** The file's sha256 (streamed, never the whole file in memory where the host can avoid it). */
  sha256(path: string, signal: AbortSignal): Promise<string>;
  /** The file's bytes (for hosts that load sessions from bytes). */
  readBytes(path: string): Promise<Uint8Array>;
  /** `length` bytes at `offset` of a file, where the host can read ranges. */
  readRange?(path: string, offset: number, length: number): Promise<Uint8Array>;
  /** The file's size in bytes. */
  size(path: string, signal: AbortSignal): Promise<number>;
  /** The file's path on disk, headless: sessions then open by path. */
  localPath?(path: string): string;
}

/** An error about a model folder or one of its files: the message names it. */
export class ModelSourceError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ModelSourceError';
  }
}
