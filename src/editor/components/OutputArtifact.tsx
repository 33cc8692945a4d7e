import { memo, useEffect, useState } from 'react';
import type { Artifact, FileArtifact } from '../../core/node-definition';
import { OutputImage } from './OutputImage';

const sizeText = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** A saved non-image file (e.g. a `.latent`) as a download link. */
export const OutputFile = memo(function OutputFile({
  artifact,
  nodeId,
}: {
  artifact: FileArtifact;
  nodeId: string;
}) {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    const created = URL.createObjectURL(
      new Blob([artifact.bytes as Uint8Array<ArrayBuffer>], { type: artifact.mediaType }),
    );
    setUrl(created);
    return () => URL.revokeObjectURL(created);
  }, [artifact]);
  if (!url) return null;
  return (
    <p className="kg-output" data-output-node={nodeId}>
      <a href={url} download={artifact.fileName} className="nodrag">
        Download {artifact.fileName}
      </a>{' '}
      ({sizeText(artifact.bytes.length)})
    </p>
  );
});

/** An output node's artifact: an image with its download link, or a file's download link. */
export function OutputArtifact({ artifact, nodeId }: { artifact: Artifact; nodeId: string }) {
  return artifact.kind === 'file' ? (
    <OutputFile artifact={artifact} nodeId={nodeId} />
  ) : (
    <OutputImage artifact={artifact} nodeId={nodeId} />
  );
}
