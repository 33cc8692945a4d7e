import type { NodeDefinition } from '../../src/core/node-definition';
import type { NodeSpec } from '../../src/core/node-spec';
import type { RuntimeServices } from '../../src/runtime/services';
import {
  primitiveFloatSpec,
  primitiveIntSpec,
  primitiveSeedSpec,
  primitiveStringSpec,
} from './primitive.spec';

/** A primitive gives each output's param (`outputsParam`) as it is, already checked by the validator. */
function primitiveNode(spec: NodeSpec): NodeDefinition<RuntimeServices> {
  const outputsParam = spec.outputsParam ?? {};
  return {
    ...spec,
    async execute({ params }) {
      const outputs: Record<string, unknown> = {};
      for (const [port, param] of Object.entries(outputsParam)) outputs[port] = params[param];
      return { outputs };
    },
  };
}

export const primitiveSeedNode = primitiveNode(primitiveSeedSpec);
export const primitiveIntNode = primitiveNode(primitiveIntSpec);
export const primitiveFloatNode = primitiveNode(primitiveFloatSpec);
export const primitiveStringNode = primitiveNode(primitiveStringSpec);
