const READABLE = new Set(['http:', 'https:', 'data:', 'blob:']);

/**
 * Reads an image or file source in the browser with fetch: http(s), data:
 * and blob: URLs; relative URLs resolve against `baseUrl` (the app). Local
 * paths from headless graphs cannot be read here; the error says so.
 */
export async function readBrowserSource(
  source: string,
  baseUrl: string,
  signal: AbortSignal,
  fetcher: typeof fetch = fetch,
): Promise<Uint8Array> {
  if (source.trim() === '') throw new Error('no image chosen (the source is empty)');
  let url: URL;
  try {
    url = new URL(source, baseUrl);
  } catch {
    throw new Error(`cannot read "${source}": not a URL`);
  }
  if (!READABLE.has(url.protocol)) {
    throw new Error(`cannot read ${source} in the browser: only http(s), data: and blob: URLs can be read`);
  }
  const shown = url.protocol === 'data:' ? `${source.slice(0, 40)}...` : url.href;
  let response: Response;
  try {
    response = await fetcher(url.href, { signal });
  } catch (error) {
    signal.throwIfAborted();
    throw new Error(`cannot fetch ${shown}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw new Error(`cannot fetch ${shown}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
