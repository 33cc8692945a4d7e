import { plainText } from './plain-text';

/** Structured validation problems: one per thing a user has to fix. */
export const VALIDATION_CODES = [
  'invalid_document',
  'duplicate_node_id',
  'unknown_node_type',
  'unsupported_node_version',
  'unknown_port',
  'missing_input',
  'type_mismatch',
  'cycle',
  'duplicate_input_edge',
  'duplicate_edge',
  'dangling_edge',
  'unknown_param',
  'param_wrong_type',
  'param_out_of_range',
  'param_not_in_enum',
  'no_output_node',
  /** A node's own static rule (NodeSpec.validate), e.g. `<i>` markers vs connected images. */
  'node_rule',
  /** A resource budget (src/core/limits.ts) the graph's params would exceed. */
  'over_limit',
] as const;

export type ValidationCode = (typeof VALIDATION_CODES)[number];

export interface ValidationIssue {
  readonly code: ValidationCode;
  readonly nodeId?: string;
  readonly port?: string;
  readonly param?: string;
  readonly message: string;
}

/**
 * Formats an issue as one line: `node "sampler" param "steps": must be at most 150`. Names and
 * messages come from the graph, so control characters in them are escaped (`plainText`): the
 * line stays one line.
 */
export function formatIssue(issue: ValidationIssue): string {
  return plainText(formatIssueRaw(issue));
}

function formatIssueRaw(issue: ValidationIssue): string {
  const where = [
    issue.nodeId !== undefined ? `node "${issue.nodeId}"` : undefined,
    issue.port !== undefined ? `port "${issue.port}"` : undefined,
    issue.param !== undefined ? `param "${issue.param}"` : undefined,
  ]
    .filter((part) => part !== undefined)
    .join(' ');
  return where ? `${where}: ${issue.message}` : issue.message;
}

/** Thrown by loaders when a document cannot be used; carries every issue found. */
export class GraphValidationError extends Error {
  readonly issues: readonly ValidationIssue[];
  /** The file or source the issues are about, when known. */
  readonly context: string | undefined;
  constructor(issues: readonly ValidationIssue[], context?: string) {
    const head = context ? `${context}: ` : '';
    super(`${head}${issues.map(formatIssue).join('; ')}`);
    this.name = 'GraphValidationError';
    this.issues = issues;
    this.context = context;
  }

  /** One line per issue, each prefixed with the context. */
  lines(): string[] {
    return this.issues.map((issue) =>
      this.context ? `${plainText(this.context)}: ${formatIssue(issue)}` : formatIssue(issue),
    );
  }
}
