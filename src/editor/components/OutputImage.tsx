import { memo, useEffect, useState } from 'react';
import type { ImageArtifact } from '../../core/node-definition';
import { rasterPngBlob } from '../raster-png';

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
    // A saved PNG as it is (with its graph); a preview encoded by the browser (no codec in this bundle).
    const blob = artifact.png
      ? Promise.resolve(new Blob([artifact.png as Uint8Array<ArrayBuffer>], { type: 'image/png' }))
      : rasterPngBlob(artifact.image);
    let live = true;
    let created: string | undefined;
    blob.then(
      (png) => {
        if (!live) return;
        created = URL.createObjectURL(png);
        setUrl(created);
      },
      (error: unknown) => console.error(`output of ${nodeId}: ${String(error)}`),
    );
    return () => {
      live = false;
      if (created) URL.revokeObjectURL(created);
    };
  }, [artifact, nodeId]);
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
