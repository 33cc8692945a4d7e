import type { StringParamSpec } from '../../src/core/node-spec';

/** The `pack` param of the nodes that open a pack: `reference`, a folder or a URL. */
export const PACK_PARAM: StringParamSpec = {
  kind: 'string',
  name: 'pack',
  label: 'Pack',
  default: 'reference',
  description: '"reference", a folder or a URL',
};
