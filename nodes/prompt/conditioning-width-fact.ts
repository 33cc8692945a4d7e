import type { ValidationIssue } from '../../src/core/validation-error';
import type { PackHandle } from '../../src/runtime/models/pack-handle';

/**
 * Pre-flight facts for the width check between an aligner and the U-Net it feeds (Kosmos-G's
 * aligned output replaces CLIP's, so its width must be the U-Net's `encoder_hidden_states` width):
 * what Align declares about its conditioning, and what a loader declares about its U-Net.
 */
export interface ConditioningWidthFact {
  readonly kind: 'conditioning-width';
  readonly width: number;
  /** The node whose output decides the width (Align) and where its model comes from. */
  readonly nodeId: string;
  readonly title: string;
  readonly model: string;
}

export function isConditioningWidthFact(value: unknown): value is ConditioningWidthFact {
  return (
    typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'conditioning-width'
  );
}

/** The loader node a U-Net fact names (Load Checkpoint puts its id in the fact), if any. */
export function loaderOfFact(value: unknown): string | undefined {
  const id =
    typeof value === 'object' && value !== null
      ? (value as { loaderNodeId?: unknown }).loaderNodeId
      : undefined;
  return typeof id === 'string' ? id : undefined;
}

/** The U-Net's conditioning width from its config or its manifest's fixed input dims, if known. */
export function unetConditioningWidth(unet: PackHandle): number | undefined {
  const models = unet.models;
  if (models.constants.unetConditioningWidth !== undefined) return models.constants.unetConditioningWidth;
  const ehs = models.components.unet?.inputs.find((i) => i.name === 'encoder_hidden_states');
  const width = ehs?.shape[2];
  return typeof width === 'number' ? width : undefined;
}

/** One issue per conditioning input whose declared width is not the U-Net's, naming both nodes. */
export function conditioningWidthIssues(
  unet: PackHandle,
  loaderNodeId: string | undefined,
  conditionings: Readonly<Record<string, unknown>>,
): ValidationIssue[] {
  const want = unetConditioningWidth(unet);
  if (want === undefined) return [];
  const from = loaderNodeId !== undefined ? ` (node "${loaderNodeId}")` : '';
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const fact of Object.values(conditionings)) {
    if (!isConditioningWidthFact(fact) || fact.width === want || seen.has(fact.nodeId)) continue;
    seen.add(fact.nodeId);
    issues.push({
      code: 'node_rule',
      nodeId: fact.nodeId,
      message: `${fact.title} (node "${fact.nodeId}") makes conditioning ${fact.width} wide (${fact.model}), but the U-Net of ${unet.models.name}${from} takes encoder_hidden_states ${want} wide: use a Kosmos-G encoder exported for this U-Net`,
    });
  }
  return issues;
}
