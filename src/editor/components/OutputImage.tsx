import { memo, useEffect, useState } from 'react';
import type { ImageArtifact } from '../../core/node-definition';
import { encodePng } from '../../runtime/image/codec';

/** An output image with a download link (the saved PNG, with its embedded graph, when there is one). */
export const OutputImage = memo(function OutputImage({
  artifact,
  nodeId,
}: {
  artifact: ImageArtifact;
  nodeId: string;
}) {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    const bytes = artifact.png ?? encodePng(artifact.image);
    const created = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
    setUrl(created);
    return () => URL.revokeObjectURL(created);
  }, [artifact]);
  if (!url) return null;
  return (
    <figure className="kg-output">
      <img src={url} alt={`Output of ${nodeId}: ${artifact.fileName}`} data-output-node={nodeId} />
      <figcaption>
        <a href={url} download={artifact.fileName} className="nodrag">
          Download {artifact.fileName}
        </a>
      </figcaption>
    </figure>
  );
});
