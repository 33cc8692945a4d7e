/** `<i>` markers of interleaved prompts: counting, highlighting and checking against connected images. */

export const MARKER = '<i>';

export interface PromptSegment {
  readonly text: string;
  readonly marker: boolean;
  /** 1-based index of the marker (image1, image2, ...). */
  readonly index?: number;
}

export function splitMarkers(text: string): PromptSegment[] {
  const segments: PromptSegment[] = [];
  let rest = text;
  let index = 0;
  for (;;) {
    const at = rest.indexOf(MARKER);
    if (at < 0) break;
    if (at > 0) segments.push({ text: rest.slice(0, at), marker: false });
    index += 1;
    segments.push({ text: MARKER, marker: true, index });
    rest = rest.slice(at + MARKER.length);
  }
  if (rest.length > 0) segments.push({ text: rest, marker: false });
  return segments;
}

export function countMarkers(text: string): number {
  return splitMarkers(text).filter((s) => s.marker).length;
}

/**
 * Checks markers against the image inputs connected (by port name,
 * `image1`..`imageN`): counts must match and images must be connected in order.
 * Returns a message a user can act on, or undefined when all is well.
 */
export function checkMarkers(
  text: string,
  connectedPorts: readonly string[],
  imagePorts: readonly string[],
): string | undefined {
  const markers = countMarkers(text);
  const connected = imagePorts.filter((p) => connectedPorts.includes(p));
  const inOrder = connected.every((p, i) => p === imagePorts[i]);
  if (!inOrder) return `connect images in order: ${imagePorts.slice(0, connected.length).join(', ')}`;
  if (markers !== connected.length) {
    return `${markers} <i> marker${markers === 1 ? '' : 's'} but ${connected.length} image${connected.length === 1 ? '' : 's'} connected`;
  }
  return undefined;
}
