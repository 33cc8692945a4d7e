import type { GraphDocument } from '../core/document';
import { decodeShareLink, encodeShareLink, SHARE_LINK_KEY } from '../core/share-link';
import { GraphValidationError } from '../core/validation-error';
import { notify, openGraph } from './actions';
import { exportGraph } from './files';
import { loadLookup, specOf } from './registry';
import { isRelativeSource, resolveSource } from './sources';
import { editorStore } from './store';

/** Relative image paths (an example's `images/x.png`) become absolute URLs, so the link works anywhere. */
export function linkGraph(doc: GraphDocument, baseUrl: string | undefined): GraphDocument {
  if (baseUrl === undefined) return doc;
  const nodes = doc.nodes.map((node) => {
    const spec = specOf(node.type);
    if (!spec) return node;
    let params = node.params;
    for (const p of spec.params) {
      const v = params[p.name];
      if (p.kind === 'image' && typeof v === 'string' && isRelativeSource(v)) {
        params = { ...params, [p.name]: resolveSource(v, baseUrl) };
      }
    }
    return params === node.params ? node : { ...node, params };
  });
  return { ...doc, nodes };
}

/** "Copy share link": the graph in the URL fragment; graphs too large for a link are offered as a file. */
export async function copyShareLink(): Promise<void> {
  const { history, baseUrl } = editorStore.getState();
  const doc = linkGraph(history.present, baseUrl);
  const appUrl = new URL('./', document.baseURI).href;
  const result = encodeShareLink(doc, appUrl);
  if ('tooLarge' in result) {
    notify(
      'error',
      `This graph is too large for a link (${Math.ceil(result.bytes / 1024)} KiB, links hold up to ${Math.floor(result.limit / 1024)} KiB); it was saved as a file instead`,
    );
    exportGraph(history.present);
    return;
  }
  try {
    await navigator.clipboard.writeText(result.url);
    notify('info', 'Share link copied to the clipboard:', [result.url, ...result.warnings]);
  } catch {
    // No clipboard access: the link is shown so it can be copied by hand.
    notify('info', 'Copy this share link:', [result.url, ...result.warnings]);
  }
  editorStore.setState({ lastShareLink: result.url });
}

/**
 * Opens the graph of a `#graph=` fragment. A damaged link shows its error and
 * keeps the current graph. Returns whether the fragment held a graph that opened.
 */
export function openShareLink(hash: string): boolean {
  if (!hash.startsWith(`#${SHARE_LINK_KEY}=`)) return false;
  try {
    const loaded = decodeShareLink(hash, loadLookup);
    openGraph(loaded, { source: 'the shared link' });
    return true;
  } catch (error) {
    const lines = error instanceof GraphValidationError ? error.lines() : [String(error)];
    notify('error', 'Cannot open this share link', lines);
    return false;
  }
}
