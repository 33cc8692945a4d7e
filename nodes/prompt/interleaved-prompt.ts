import type { RasterImage } from '../../src/core/image';
import type { NodeDefinition } from '../../src/core/node-definition';
import type { RuntimeServices } from '../../src/runtime/services';
import { imageInput, stringParam } from '../port-values';
import type { PromptValue } from '../values';
import { IMAGE_PORTS, interleavedPromptSpec, markerWiringProblem } from './interleaved-prompt.spec';

/**
 * Text with `<i>` markers plus the images they stand for: the n-th marker is
 * the n-th connected image input (image1, image2, ...). Markers and connected
 * images must agree, so a prompt never silently drops or invents an image.
 */
export const interleavedPromptNode: NodeDefinition<RuntimeServices> = {
  ...interleavedPromptSpec,
  async execute({ inputs, params }) {
    const text = stringParam(params, 'text');
    const connected = IMAGE_PORTS.filter((port) => inputs[port] !== undefined);
    const problem = markerWiringProblem(text, connected);
    if (problem) throw new Error(problem);
    const images: RasterImage[] = connected.map((port) => imageInput(inputs, port));
    const prompt: PromptValue = { kind: 'prompt', text, images };
    return { outputs: { prompt } };
  },
};
