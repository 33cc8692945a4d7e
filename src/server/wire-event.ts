import type { EngineEvent } from '../engine/events';
import { encodePng } from '../runtime/image/codec';

/** An event as JSON: what `kosmograph run --json` prints, plus each preview as a small PNG data: URL. */
export type WireEvent = { readonly type: string; readonly jobId: string } & Record<string, unknown>;

export const TERMINAL_EVENTS = new Set(['job:done', 'job:failed', 'job:cancelled']);

export function toWireEvent(event: EngineEvent): WireEvent {
  if (event.type === 'node:output') {
    const { artifact } = event;
    return {
      ...event,
      artifact:
        artifact.kind === 'file'
          ? {
              kind: 'file',
              fileName: artifact.fileName,
              mediaType: artifact.mediaType,
              bytes: artifact.bytes.length,
            }
          : {
              kind: 'image',
              fileName: artifact.fileName,
              width: artifact.image.width,
              height: artifact.image.height,
            },
    };
  }
  if (event.type === 'node:progress' && event.preview) {
    const { preview } = event;
    const png = Buffer.from(encodePng(preview)).toString('base64');
    return {
      ...event,
      preview: { width: preview.width, height: preview.height, png: `data:image/png;base64,${png}` },
    };
  }
  return { ...event };
}
