import { createNodeRegistry } from '../../nodes/index';
import type { NodeSpec, NodeSpecLookup } from '../core/node-spec';

/**
 * The node kinds as data, for generic rendering. The editor never runs
 * `execute`: it only reads specs (the engine worker has its own registry).
 */
const registry = createNodeRegistry();

export const NODE_SPECS: readonly NodeSpec[] = registry.describe();

const byType = new Map(NODE_SPECS.map((s) => [s.type, s]));

/** Specs for display and connection checks. */
export const specOf: NodeSpecLookup = (type) => byType.get(type);

/** The registry's own lookup (with param migrations) for loading documents. */
export const loadLookup: NodeSpecLookup = registry.lookup;
