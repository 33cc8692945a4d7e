import type { NodeSpec } from '../../src/core/node-spec';

export const IMAGE_MARKER = '<i>';
export const MAX_PROMPT_IMAGES = 4;

export function countMarkers(text: string): number {
  return text.split(IMAGE_MARKER).length - 1;
}

/** The image ports a prompt's markers need (image1..imageN), or why the wiring disagrees. */
export function markerWiringProblem(text: string, connected: readonly string[]): string | undefined {
  const markers = countMarkers(text);
  if (markers !== connected.length) {
    return (
      `the prompt has ${markers} ${IMAGE_MARKER} marker(s) but ${connected.length} image(s) are connected; ` +
      `add or remove ${IMAGE_MARKER} markers or connect image1..image${Math.max(markers, 1)}`
    );
  }
  const expected = Array.from({ length: markers }, (_, i) => `image${i + 1}`);
  if (connected.join() !== expected.join()) {
    return `connect the images in order: ${expected.join(', ')} (connected: ${connected.join(', ')})`;
  }
  return undefined;
}

/** The image inputs, image1..image4, in marker order. */
export const IMAGE_PORTS = Array.from({ length: MAX_PROMPT_IMAGES }, (_, i) => `image${i + 1}`);

/** Interleaved Prompt as data (ports, params, docs) for the editor; its execute is in interleaved-prompt.ts. */
export const interleavedPromptSpec: NodeSpec = {
  type: 'prompt.interleaved',
  typeVersion: 1,
  title: 'Interleaved Prompt',
  category: 'conditioning',
  description: 'Text with <i> markers, each standing for the next connected image (image1, image2, ...).',
  inputs: Array.from({ length: MAX_PROMPT_IMAGES }, (_, i) => ({
    name: `image${i + 1}`,
    type: 'IMAGE' as const,
    optional: true,
  })),
  outputs: [{ name: 'prompt', type: 'PROMPT' }],
  params: [
    {
      kind: 'string',
      name: 'text',
      label: 'Prompt',
      default: '<i> on a black background',
      multiline: true,
      interleaved: true,
    },
  ],
  // Checked before the run from the wiring; execute checks again on what actually arrived.
  validate({ nodeId, params, connected }) {
    const text = typeof params.text === 'string' ? params.text : '';
    const problem = markerWiringProblem(
      text,
      IMAGE_PORTS.filter((port) => connected.has(port)),
    );
    return problem ? [{ code: 'node_rule', nodeId, param: 'text', message: problem }] : [];
  },
};
