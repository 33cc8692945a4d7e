import type { GraphDocument, JsonValue } from './document';
import type { RasterImage } from './image';
import type { NodeSpec } from './node-spec';
import type { ValidationIssue } from './validation-error';

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

/**
 * What a node is busy with, for the user: reading a model's bytes (`bytes` of `totalBytes`, a
 * download or a file read), creating its session (`compiling`), or computing (`running`, with
 * `step` of `total` and an `etaMs` estimate on long loops). `model` names the model or file.
 */
export interface NodeStage {
  readonly stage: 'loading' | 'compiling' | 'running';
  readonly model?: string;
  readonly bytes?: number;
  readonly totalBytes?: number;
  readonly step?: number;
  readonly total?: number;
  readonly etaMs?: number;
}

/** Receives a node's stages; never fails the node. */
export type StageReporter = (stage: NodeStage) => void;

/** What a node's pre-flight check sees: its params and what the nodes upstream declared. */
export interface PreflightContext<Services> {
  readonly nodeId: string;
  /** Params with defaults filled in. */
  readonly params: Readonly<Record<string, JsonValue>>;
  /**
   * By input port: what the upstream node's pre-flight declared about the value it will give
   * (e.g. an opened model pack, a latent's size and the param it comes from); absent when unknown.
   */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The input ports an edge feeds (whether or not their upstream declared anything). */
  readonly connected: ReadonlySet<string>;
  readonly services: Services;
  readonly signal: AbortSignal;
}

export interface PreflightResult {
  /** By output port: what this node will give, for the pre-flight of the nodes downstream. */
  readonly outputs?: Readonly<Record<string, unknown>>;
  /** Problems the models cannot take, each naming a node and a param or port. */
  readonly issues?: readonly ValidationIssue[];
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
  /**
   * Tells the user what the node is busy with (see `NodeStage`); model loading reports itself.
   * The executor always provides it; contexts built by hand (tests) may leave it out.
   */
  stage?(stage: NodeStage): void;
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
   * Checks, before the job runs, that the models this node will use can take what the graph
   * asks of them (sizes, widths, dtypes), from manifests and configs only: no session is
   * created. Declares what it knows of its outputs for the nodes downstream. A node without it
   * passes on what it got on an input to an output of the same socket type (one of each).
   * A hook that throws says nothing: the node meets the problem when it runs.
   */
  preflight?(ctx: PreflightContext<Services>): Promise<PreflightResult> | PreflightResult;
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
        preflight: _preflight,
        migrations,
        ...spec
      }) => ({
        ...spec,
        ...(migrations ? { migrationsFrom: Object.keys(migrations).map(Number) } : {}),
      }),
    );
  }
}
