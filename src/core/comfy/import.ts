import { jsonErrorWhere } from '../json-error';
import type { NodeSpecLookup } from '../node-spec';
import { plainText } from '../plain-text';
import { hasPngSignature, PngMetadataError, type PngTextChunk, readPngTextChunks } from '../png-metadata';
import { GraphValidationError, type ValidationIssue } from '../validation-error';
import { type ComfyImportOptions, type ComfyImportResult, convertComfyWorkflow } from './convert';
import { ComfyParseError, type ComfyWorkflow, parseComfyJson } from './parse';

/** The tEXt keywords ComfyUI writes into the PNGs it saves. */
export const COMFY_PNG_KEYWORDS = { prompt: 'prompt', workflow: 'workflow' } as const;

function fail(context: string, message: string): GraphValidationError {
  return new GraphValidationError([{ code: 'invalid_document', message }], context);
}

function parseText(text: string, context: string, what: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw fail(context, `${what} is not valid JSON: it ${jsonErrorWhere(error)}`);
  }
}

function parseWorkflow(json: unknown, context: string): ComfyWorkflow {
  try {
    return parseComfyJson(json);
  } catch (error) {
    if (error instanceof ComfyParseError) throw new GraphValidationError(error.issues, context);
    throw error;
  }
}

/** Whether a PNG's text chunks hold a ComfyUI prompt or workflow. */
export function hasComfyChunks(chunks: readonly PngTextChunk[]): boolean {
  return chunks.some(
    (c) => c.keyword === COMFY_PNG_KEYWORDS.prompt || c.keyword === COMFY_PNG_KEYWORDS.workflow,
  );
}

/**
 * Imports from a ComfyUI PNG's text chunks: the API-format `prompt` (what was
 * actually run) gives the nodes and values, the UI-format `workflow` the
 * positions, notes and groups. With only one of them, that one is used.
 */
export function importComfyFromPngChunks(
  chunks: readonly PngTextChunk[],
  options: ComfyImportOptions,
  lookup: NodeSpecLookup,
  context: string,
): ComfyImportResult {
  const promptText = chunks.find((c) => c.keyword === COMFY_PNG_KEYWORDS.prompt)?.text;
  const workflowText = chunks.find((c) => c.keyword === COMFY_PNG_KEYWORDS.workflow)?.text;
  if (promptText === undefined && workflowText === undefined) {
    throw fail(context, 'no ComfyUI workflow in this image (no "prompt" or "workflow" text chunk)');
  }
  const problems: ValidationIssue[] = [];
  const attempt = (text: string | undefined, what: string): ComfyWorkflow | undefined => {
    if (text === undefined) return undefined;
    let json: unknown;
    try {
      json = parseText(text, context, what);
    } catch (error) {
      if (!(error instanceof GraphValidationError)) throw error;
      problems.push(...error.issues);
      return undefined;
    }
    try {
      return parseWorkflow(json, context);
    } catch (error) {
      if (!(error instanceof GraphValidationError)) throw error;
      problems.push(...error.issues.map((i) => ({ ...i, message: `${what}: ${i.message}` })));
      return undefined;
    }
  };
  const prompt = attempt(promptText, 'the "prompt" chunk');
  const workflow = attempt(workflowText, 'the "workflow" chunk');
  const main = prompt ?? workflow;
  if (!main) throw new GraphValidationError(problems, context);
  const result = convertComfyWorkflow(main, options, lookup, prompt && workflow ? workflow : undefined);
  if (problems.length === 0) return result;
  // One chunk was unusable but the other worked: say so.
  return {
    graph: result.graph,
    report: { ...result.report, warnings: [...problems.map((p) => p.message), ...result.report.warnings] },
  };
}

/**
 * Converts a ComfyUI workflow (API-format prompt or UI-format workflow, as JSON
 * text, UTF-8 bytes, or the bytes of a PNG that ComfyUI saved) into a
 * kosmograph graph for the given pack, with a report of what was converted,
 * what became a placeholder, and every substitution. Throws only
 * GraphValidationError (not ComfyUI JSON, missing links, cycles, damaged PNG).
 */
export function importComfy(
  input: string | Uint8Array,
  options: ComfyImportOptions,
  lookup: NodeSpecLookup,
  context = options.name ?? 'ComfyUI workflow',
): ComfyImportResult {
  if (typeof input !== 'string' && hasPngSignature(input)) {
    let chunks: PngTextChunk[];
    try {
      chunks = readPngTextChunks(input);
    } catch (error) {
      if (error instanceof PngMetadataError) throw fail(context, `damaged PNG (${error.message})`);
      throw error;
    }
    return importComfyFromPngChunks(chunks, options, lookup, context);
  }
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      throw fail(context, 'not a ComfyUI workflow (neither a PNG nor UTF-8 JSON text)');
    }
  }
  const json = parseText(text, context, 'the file');
  return convertComfyWorkflow(parseWorkflow(json, context), options, lookup);
}

/** The report as lines for a terminal or a toast. */
export function formatComfyReport(result: ComfyImportResult): string[] {
  const { report, graph } = result;
  const lines = [
    `converted ${report.converted.length} ComfyUI node${report.converted.length === 1 ? '' : 's'} (${report.source} format) into ${graph.nodes.length} kosmograph node${graph.nodes.length === 1 ? '' : 's'}`,
  ];
  for (const p of report.placeholders) {
    lines.push(`placeholder: ComfyUI node ${p.comfyId} (${p.classType}) -> "${p.nodeId}"`);
  }
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  // Ids, class names and values come from the file: one line each, no terminal escapes.
  return lines.map(plainText);
}
