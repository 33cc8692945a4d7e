import {
  GRAPH_FORMAT,
  GRAPH_VERSION,
  type GraphDocument,
  graphDocumentSchema,
  type JsonValue,
} from './document';
import { jsonDepthOver, protoKeyPath } from './json-depth';
import { jsonErrorWhere } from './json-error';
import { currentLimits, limitNote } from './limits';
import { ENVELOPE_MIGRATIONS } from './migrations/index';
import type { NodeSpecLookup } from './node-spec';
import { GraphValidationError, type ValidationIssue } from './validation-error';

export interface LoadedGraph {
  readonly graph: GraphDocument;
  /** Things the user should know that do not stop loading (migrations applied, placeholders). */
  readonly warnings: readonly string[];
}

function invalid(message: string, context: string): GraphValidationError {
  return new GraphValidationError([{ code: 'invalid_document', message }], context);
}

function zodIssues(error: {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}): ValidationIssue[] {
  return error.issues.slice(0, 20).map((issue) => ({
    code: 'invalid_document',
    message: `${issue.path.length > 0 ? `at ${issue.path.map(String).join('.')}: ` : ''}${issue.message}`,
  }));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A ComfyUI UI-format workflow (`nodes` + `links`) or API-format prompt (`{"3": {"class_type": ...}}`). */
function looksLikeComfy(input: Record<string, unknown>): boolean {
  if (Array.isArray(input.nodes) && Array.isArray(input.links)) return true;
  const values = Object.values(input);
  return values.length > 0 && values.every((v) => isRecord(v) && typeof v.class_type === 'string');
}

/** Runs the envelope migrations until the document is at the current version. */
function migrateEnvelope(input: Record<string, unknown>, context: string, warnings: string[]): unknown {
  let doc: unknown = input;
  let version = input.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    throw invalid('"version" must be a non-negative whole number', context);
  }
  if (version > GRAPH_VERSION) {
    throw invalid(
      `this graph was made by a newer kosmograph (format version ${version}; this one reads up to ${GRAPH_VERSION}); update kosmograph to open it`,
      context,
    );
  }
  while (version < GRAPH_VERSION) {
    const step = ENVELOPE_MIGRATIONS.find((s) => s.from === version);
    if (!step) throw invalid(`no migration from format version ${version}`, context);
    const parsed = step.schema.safeParse(doc);
    if (!parsed.success)
      throw new GraphValidationError(zodIssues(parsed.error), `${context} (version ${version})`);
    doc = step.migrate(parsed.data as never);
    warnings.push(`migrated the graph from format version ${version} to ${version + 1}`);
    version += 1;
  }
  return doc;
}

/** Upgrades each known node's params to its type's current version. */
function migrateNodes(
  graph: GraphDocument,
  lookup: NodeSpecLookup,
  context: string,
  warnings: string[],
): GraphDocument {
  const nodes = graph.nodes.map((node) => {
    const spec = lookup(node.type);
    if (!spec) {
      warnings.push(`node "${node.id}": unknown type "${node.type}", kept as a placeholder`);
      return node;
    }
    if (node.typeVersion >= spec.typeVersion) return node;
    let params: Record<string, JsonValue> = { ...node.params };
    for (let v = node.typeVersion; v < spec.typeVersion; v++) {
      const migration = spec.migrations?.[v];
      if (!migration) {
        throw new GraphValidationError(
          [
            {
              code: 'unsupported_node_version',
              nodeId: node.id,
              message: `${spec.title} has no migration from version ${v}`,
            },
          ],
          context,
        );
      }
      params = migration(params);
    }
    warnings.push(
      `node "${node.id}": upgraded ${spec.title} from version ${node.typeVersion} to ${spec.typeVersion}`,
    );
    return { ...node, typeVersion: spec.typeVersion, params };
  });
  return { ...graph, nodes };
}

/**
 * Turns untrusted JSON into a current-version graph document: checks the
 * format id, runs envelope and node migrations, and parses with the frozen
 * schema. Never rewrites silently: every change is listed in `warnings`.
 * Throws only `GraphValidationError`.
 */
export function loadGraphDocument(input: unknown, lookup: NodeSpecLookup, context = 'graph'): LoadedGraph {
  if (!isRecord(input)) throw invalid('not a kosmograph graph (expected a JSON object)', context);
  const limits = currentLimits();
  if (jsonDepthOver(input, limits['json-depth']) !== undefined) {
    throw invalid(
      `the graph's JSON is nested more than ${limits['json-depth']} levels deep (${limitNote('json-depth', limits)})`,
      context,
    );
  }
  const protoAt = protoKeyPath(input);
  if (protoAt !== undefined) {
    throw invalid(
      `at ${protoAt}: "__proto__" cannot be used as a name (a param, layout or other key)`,
      context,
    );
  }
  if (input.format !== GRAPH_FORMAT) {
    const hint = looksLikeComfy(input)
      ? ': it looks like a ComfyUI workflow; convert it with `kosmograph import-comfy` or drop it on the editor'
      : '';
    throw invalid(`not a kosmograph graph ("format" must be "${GRAPH_FORMAT}")${hint}`, context);
  }
  const warnings: string[] = [];
  const migrated = migrateEnvelope(input, context, warnings);
  const parsed = graphDocumentSchema.safeParse(migrated);
  if (!parsed.success) throw new GraphValidationError(zodIssues(parsed.error), context);
  return { graph: migrateNodes(parsed.data, lookup, context, warnings), warnings };
}

/** `loadGraphDocument` for text: a JSON syntax error becomes a GraphValidationError naming `context`. */
export function loadGraphText(text: string, lookup: NodeSpecLookup, context = 'graph'): LoadedGraph {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(`not valid JSON: it ${jsonErrorWhere(error)}`, context);
  }
  return loadGraphDocument(json, lookup, context);
}
