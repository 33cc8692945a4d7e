import { describeStage } from '../core/node-stage';
import type { EngineEvent } from '../engine/events';

/**
 * A one-line progress display on a terminal (stderr). Written here rather
 * than taken from a library: it is a dozen lines driven by our own events.
 */
export function createProgressBar(
  stream: Pick<NodeJS.WriteStream, 'isTTY' | 'write'>,
): (event: EngineEvent) => void {
  if (!stream.isTTY) return () => {};
  let total = 0;
  let finished = 0;
  /** Each running node's latest stage, in words (`running step 3/20, about 2 s left`). */
  const stages = new Map<string, string>();
  const draw = (label: string, fraction?: number) => {
    const width = 24;
    const filled = fraction === undefined ? 0 : Math.round(fraction * width);
    const bar = fraction === undefined ? '' : `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] `;
    stream.write(`\r\x1b[2K${bar}${finished}/${total} nodes ${label}`);
  };
  return (event) => {
    switch (event.type) {
      case 'job:start':
        total = event.nodeIds.length;
        break;
      case 'node:start':
        stages.delete(event.nodeId);
        draw(event.nodeId);
        break;
      case 'node:progress':
        draw(
          `${event.nodeId} ${stages.get(event.nodeId) ?? `step ${event.step}/${event.total}`}`,
          event.step / event.total,
        );
        break;
      case 'node:stage': {
        const { type: _type, jobId: _jobId, nodeId, ...report } = event;
        const stage = describeStage(report);
        stages.set(nodeId, stage);
        const fraction =
          report.step !== undefined && report.total
            ? report.step / report.total
            : report.totalBytes
              ? (report.bytes ?? 0) / report.totalBytes
              : undefined;
        draw(`${nodeId} ${stage}`, fraction);
        break;
      }
      case 'node:done':
      case 'node:cached':
        finished += 1;
        draw(event.nodeId);
        break;
      case 'job:done':
      case 'job:failed':
      case 'job:cancelled':
        stream.write('\r\x1b[2K');
        break;
    }
  };
}
