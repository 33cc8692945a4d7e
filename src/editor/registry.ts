import { NODE_SPECS as SPECS } from '../../nodes/specs';
import type { NodeSpec, NodeSpecLookup } from '../core/node-spec';
import { NodeSpecRegistry } from '../core/node-spec-registry';

/**
 * The node kinds as data, for generic rendering. The editor never runs `execute`: it reads the
 * specs of nodes/specs.ts only (the engine worker has its own registry), so the main-thread
 * bundle carries no node code (a Biome rule and test/browser/main-bundle.test.ts hold it).
 */
const registry = new NodeSpecRegistry(SPECS);

/** Every node kind in palette order. */
export const NODE_SPECS: readonly NodeSpec[] = registry.list();

/** Specs for display and connection checks. */
export const specOf: NodeSpecLookup = registry.lookup;

/** The lookup (specs with their param migrations) for loading documents. */
export const loadLookup: NodeSpecLookup = registry.lookup;
