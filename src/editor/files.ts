import { type ComfyImportOptions, REFERENCE_PACK_IMPORT } from '../core/comfy/convert';
import { formatComfyReport, hasComfyChunks, importComfy } from '../core/comfy/import';
import type { GraphDocument } from '../core/document';
import { readGraphFromPng } from '../core/graph-png';
import { type LoadedGraph, loadGraphText } from '../core/load-document';
import { hasPngSignature, readPngTextChunks } from '../core/png-metadata';
import { GraphValidationError } from '../core/validation-error';
import { notify, openGraph } from './actions';
import { loadLookup } from './registry';
import { editorStore } from './store';

/** Opening and saving graph files: JSON, kosmograph PNGs (and ComfyUI files where supported). */

/** ComfyUI import options for the active pack (its LoRAs and ControlNets). */
function comfyOptions(name: string): ComfyImportOptions {
  const { pack } = editorStore.getState();
  if (pack.source === 'reference' || !pack.info) return { ...REFERENCE_PACK_IMPORT, name };
  return { pack: pack.source, packLoras: pack.info.loras, packControlnets: pack.info.controlnets, name };
}

/** Whether bytes look like a ComfyUI file rather than a (broken) kosmograph one. */
function looksLikeComfy(bytes: Uint8Array): boolean {
  if (hasPngSignature(bytes)) {
    try {
      return hasComfyChunks(readPngTextChunks(bytes));
    } catch {
      return false;
    }
  }
  try {
    const json: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof json === 'object' && json !== null && !('format' in json);
  } catch {
    return false;
  }
}

function importComfyGraph(bytes: Uint8Array, name: string): LoadedGraph {
  const result = importComfy(bytes, comfyOptions(name), loadLookup, name);
  return { graph: result.graph, warnings: formatComfyReport(result) };
}

function errorLines(error: unknown): { text: string; details: string[] } {
  if (error instanceof GraphValidationError) {
    return {
      text: `Cannot open ${error.context ?? 'the file'}: ${error.issues[0]?.message ?? 'invalid graph'}`,
      details: error.lines(),
    };
  }
  return { text: error instanceof Error ? error.message : String(error), details: [] };
}

/** Parses graph bytes (JSON or PNG). Throws a GraphValidationError naming `name` on bad input. */
export function parseGraphBytes(bytes: Uint8Array, name: string): LoadedGraph {
  // A ComfyUI file: its import errors are the useful ones.
  if (looksLikeComfy(bytes)) return importComfyGraph(bytes, name);
  if (hasPngSignature(bytes)) return readGraphFromPng(bytes, loadLookup, name);
  return loadGraphText(new TextDecoder().decode(bytes), loadLookup, name);
}

/**
 * Opens a dropped or picked file. Bad input never replaces the current graph:
 * the error is shown and the graph stays as it was. Returns whether it opened.
 */
export async function openGraphFile(file: File): Promise<boolean> {
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const loaded = parseGraphBytes(bytes, file.name);
    openGraph(loaded, { source: file.name });
    if (hasPngSignature(bytes) && loaded.warnings.length === 0) {
      notify('info', `Opened the graph inside ${file.name}`, [
        'To use the picture itself, drop it on a Load Image node (or use its Choose… button).',
      ]);
    }
    return true;
  } catch (error) {
    const { text, details } = errorLines(error);
    notify('error', text, details);
    return false;
  }
}

/** Fetches and opens a graph by URL (the examples menu); relative images resolve against it. */
export async function openGraphUrl(
  url: string,
  name: string,
  options: { quiet?: boolean; undoable?: boolean; arrange?: boolean } = {},
): Promise<boolean> {
  try {
    const absolute = new URL(url, document.baseURI).href;
    const response = await fetch(absolute);
    if (!response.ok) throw new Error(`Cannot open ${name}: HTTP ${response.status}`);
    const loaded = parseGraphBytes(new Uint8Array(await response.arrayBuffer()), name);
    openGraph(loaded, { source: name, baseUrl: new URL('./', absolute).href, ...options });
    return true;
  } catch (error) {
    const { text, details } = errorLines(error);
    notify('error', text, details);
    return false;
  }
}

/** Opens the browser's file picker for a graph file (Import, Ctrl+O). */
export function chooseGraphFile(): void {
  document.querySelector<HTMLInputElement>('input[data-testid="import-file"]')?.click();
}

export function graphFileName(doc: GraphDocument): string {
  const name = (doc.meta?.name ?? 'graph').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '');
  return `${name || 'graph'}.json`;
}

export function graphJson(doc: GraphDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Starts a download of `data` named `fileName`. */
export function download(data: Blob, fileName: string): void {
  const url = URL.createObjectURL(data);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function exportGraph(doc: GraphDocument): void {
  download(new Blob([graphJson(doc)], { type: 'application/json' }), graphFileName(doc));
}
