import type { NodeSpec } from '../../src/core/node-spec';

/**
 * Primitive nodes as data: one value on a wire, to feed params shown as inputs (ComfyUI's
 * Primitive node), e.g. one seed driving two samplers. Each output gives its param unchanged
 * (`outputsParam`), so a wired value is known, checked and keyed before the run
 * (src/core/wired-params.ts). Their execute is in primitive.ts.
 */
export const primitiveSeedSpec: NodeSpec = {
  type: 'primitive.seed',
  typeVersion: 1,
  title: 'Primitive Seed',
  category: 'primitive',
  description:
    'A seed on a wire: wire it to the seed of one or more samplers (their seed shown as an input). Batches and "after each run" move this seed.',
  inputs: [],
  outputs: [{ name: 'seed', type: 'INT', label: 'seed' }],
  params: [{ kind: 'seed', name: 'seed', label: 'Seed', default: 0 }],
  outputsParam: { seed: 'seed' },
};

export const primitiveIntSpec: NodeSpec = {
  type: 'primitive.int',
  typeVersion: 1,
  title: 'Primitive Int',
  category: 'primitive',
  description: 'A whole number on a wire, for whole-number params shown as inputs (steps, width, ...).',
  inputs: [],
  outputs: [{ name: 'value', type: 'INT' }],
  params: [
    {
      kind: 'int',
      name: 'value',
      label: 'Value',
      default: 0,
      min: Number.MIN_SAFE_INTEGER,
      max: Number.MAX_SAFE_INTEGER,
    },
  ],
  outputsParam: { value: 'value' },
};

export const primitiveFloatSpec: NodeSpec = {
  type: 'primitive.float',
  typeVersion: 1,
  title: 'Primitive Float',
  category: 'primitive',
  description: 'A number on a wire, for number params shown as inputs (cfg, denoise, strength, ...).',
  inputs: [],
  outputs: [{ name: 'value', type: 'FLOAT' }],
  params: [{ kind: 'float', name: 'value', label: 'Value', default: 0 }],
  outputsParam: { value: 'value' },
};

export const primitiveStringSpec: NodeSpec = {
  type: 'primitive.string',
  typeVersion: 1,
  title: 'Primitive String',
  category: 'primitive',
  description:
    'Text on a wire, for text or choice params shown as inputs (a choice must be one of its options).',
  inputs: [],
  outputs: [{ name: 'value', type: 'STRING' }],
  params: [{ kind: 'string', name: 'value', label: 'Value', default: '' }],
  outputsParam: { value: 'value' },
};

export const PRIMITIVE_SPECS: readonly NodeSpec[] = [
  primitiveSeedSpec,
  primitiveIntSpec,
  primitiveFloatSpec,
  primitiveStringSpec,
];
