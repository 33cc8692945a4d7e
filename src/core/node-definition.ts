import type { GraphDocument, JsonValue } from './document';
import type { RasterImage } from './image';
import type { NodeSpec } from './node-spec';

/** A file-like result of an output node: the host (CLI, editor) decides where it goes. */
export interface ImageArtifact {
  readonly kind: 'image';
  /** File name without directory, e.g. `kosmograph_00001.png`. */
  readonly fileName: string;
  readonly image: RasterImage;
  /** Encoded PNG bytes (with embedded graph) when the node saves; absent for previews. */
  readonly png?: Uint8Array;
}

/** Any other saved file (e.g. a `.latent`): the host writes `bytes` under `fileName` or offers a download. */
export interface FileArtifact {
  readonly kind: 'file';
  /** File name without directory, with its extension, e.g. `kosmograph.latent`. */
  readonly fileName: string;
  readonly bytes: Uint8Array;
  /** e.g. `application/octet-stream`. */
  readonly mediaType: string;
}

export type Artifact = ImageArtifact | FileArtifact;

export interface NodeResult {
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly artifacts?: readonly Artifact[];
}

export interface ExecuteContext<Services> {
  readonly nodeId: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Params with defaults filled in. */
  readonly params: Readonly<Record<string, JsonValue>>;
  /** Aborted when the job is cancelled or another node failed; check it between long steps. */
  readonly signal: AbortSignal;
  readonly services: Services;
  /** The document being run, e.g. to embed in saved PNGs. */
  readonly graph: GraphDocument;
  /**
   * Reports progress, e.g. a sampler step, with an optional small preview.
   * Resolves once the host has taken the event (back-pressure across workers,
   * so a cancel sent in answer to step n arrives before step n + 1 starts);
   * long loops should await it.
   */
  progress(step: number, total: number, preview?: RasterImage): Promise<void>;
  /**
   * Tells the user something about this run that is not an error (e.g. a LoRA key that
   * matched no weight): the host shows it on the node and the CLI prints it on stderr.
   * A node served from the cache replays no warning.
   */
  warn(message: string): void;
}

/**
 * A node kind: its data (`NodeSpec`) plus the function that does its work.
 * `Services` is what the host provides (model store, file access, ...), so the
 * core stays free of any runtime.
 */
export interface NodeDefinition<Services> extends NodeSpec {
  /** Never served from the cache (e.g. saving, whose PNG embeds the whole current graph). */
  readonly alwaysRun?: boolean;
  /**
   * The result depends on the node's id (e.g. a value that names its node in messages), so it
   * is cached per node id, not shared with an equal node elsewhere. Output nodes always are.
   */
  readonly usesNodeId?: boolean;
  execute(ctx: ExecuteContext<Services>): Promise<NodeResult>;
  /**
   * Extra content that decides the node's output besides params and inputs,
   * e.g. the bytes of a file it reads or a model's sha256. Part of the cache key.
   */
  cacheSalt?(
    params: Readonly<Record<string, JsonValue>>,
    services: Services,
    signal: AbortSignal,
  ): Promise<string> | string;
}

export class NodeRegistry<Services> {
  readonly #definitions = new Map<string, NodeDefinition<Services>>();

  constructor(definitions: Iterable<NodeDefinition<Services>> = []) {
    for (const definition of definitions) this.register(definition);
  }

  register(definition: NodeDefinition<Services>): void {
    if (this.#definitions.has(definition.type))
      throw new Error(`node type "${definition.type}" registered twice`);
    this.#definitions.set(definition.type, definition);
  }

  get(type: string): NodeDefinition<Services> | undefined {
    return this.#definitions.get(type);
  }

  /** A `NodeSpecLookup` for validation and connection checks. */
  readonly lookup = (type: string): NodeSpec | undefined => this.#definitions.get(type);

  list(): NodeDefinition<Services>[] {
    return [...this.#definitions.values()];
  }

  /** The registry as plain data (no functions), e.g. for `kosmograph nodes --json`. */
  describe(): NodeSpec[] {
    return this.list().map(
      ({
        execute: _execute,
        cacheSalt: _salt,
        alwaysRun: _alwaysRun,
        usesNodeId: _usesNodeId,
        migrations,
        ...spec
      }) => ({
        ...spec,
        ...(migrations ? { migrationsFrom: Object.keys(migrations).map(Number) } : {}),
      }),
    );
  }
}
