/** Image and file sources as the editor shows them: relative paths resolve against the graph's folder. */

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

export function isRelativeSource(source: string): boolean {
  return source.trim() !== '' && !SCHEME.test(source) && !source.startsWith('/');
}

/** An absolute URL for `source` (relative to `baseUrl`, else to the page). */
export function resolveSource(source: string, baseUrl: string | undefined): string {
  const base = baseUrl ?? (typeof document !== 'undefined' ? document.baseURI : 'http://localhost/');
  try {
    return new URL(source, new URL(base, typeof document !== 'undefined' ? document.baseURI : undefined))
      .href;
  } catch {
    return source;
  }
}

/** Reads a File as a data: URL (images dropped on or picked for a Load Image node). */
export function fileToDataUrl(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('cannot read the file'));
    reader.readAsDataURL(file);
  });
}
