import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/core/content-hash';
import type { GraphDocument } from '../../src/core/document';
import { PNG_GRAPH_KEYWORD } from '../../src/core/graph-png';
import type { ExecuteContext } from '../../src/core/node-definition';
import { float32Tensor } from '../../src/runtime/ort/tensor-data';
import { readSafetensors } from '../../src/runtime/safetensors/read';
import type { RuntimeServices } from '../../src/runtime/services';
import type { LatentValue } from '../values';
import { encodeLatentFile } from './latent-codec';
import { loadLatentNode } from './load-latent';
import { LATENT_MEDIA_TYPE, saveLatentNode } from './save-latent';

const graph: GraphDocument = {
  format: 'kosmograph.graph',
  version: 1,
  nodes: [{ id: 'load', type: 'latent.load', typeVersion: 1, params: { latent: 'x.latent' } }],
  edges: [],
};

/** Services whose readSource serves `files` by name and fails like the Node host otherwise. */
function services(files: Record<string, Uint8Array>): RuntimeServices {
  return {
    async readSource(source) {
      const bytes = files[source];
      if (!bytes) throw new Error(`file not found: /graphs/${source}`);
      return bytes;
    },
    models: undefined as never,
  };
}

function context(
  params: Record<string, string>,
  files: Record<string, Uint8Array>,
  inputs: Record<string, unknown> = {},
): ExecuteContext<RuntimeServices> {
  return {
    nodeId: 'n',
    inputs,
    params,
    signal: new AbortController().signal,
    services: services(files),
    graph,
    progress: async () => undefined,
    warn: () => undefined,
  };
}

const latent: LatentValue = {
  kind: 'latent',
  samples: float32Tensor(
    Float32Array.from({ length: 16 }, (_, i) => i / 4 - 1),
    [1, 4, 2, 2],
  ),
};

describe('Load Latent and Save Latent nodes', () => {
  it('Save Latent makes a .latent file artifact that Load Latent reads back bit for bit', async () => {
    const save = saveLatentNode(() => undefined);
    const saved = await save.execute(context({ filename_prefix: 'run.1' }, {}, { latent }));
    expect(saved.outputs).toEqual({});
    const artifact = saved.artifacts?.[0];
    if (artifact?.kind !== 'file') throw new Error('expected a file artifact');
    expect(artifact.fileName).toBe('run.1.latent');
    expect(artifact.mediaType).toBe(LATENT_MEDIA_TYPE);
    const meta = readSafetensors(artifact.bytes).metadata[PNG_GRAPH_KEYWORD];
    expect(JSON.parse(meta ?? '{}').graph.nodes[0].id).toBe('load');

    const files = { 'x.latent': artifact.bytes };
    const params = { latent: 'x.latent' };
    const salt = await loadLatentNode.cacheSalt?.(params, services(files), new AbortController().signal);
    expect(salt).toBe(sha256Hex(artifact.bytes));
    const loaded = await loadLatentNode.execute(context(params, files));
    const value = loaded.outputs.latent as LatentValue;
    expect(value.kind).toBe('latent');
    expect(value.samples.dims).toEqual([1, 4, 2, 2]);
    expect(Buffer.from(value.samples.data.buffer).equals(Buffer.from(latent.samples.data.buffer))).toBe(true);
  });

  it('Save Latent checks the file name as Save Image does', async () => {
    const save = saveLatentNode(() => undefined);
    await expect(save.execute(context({ filename_prefix: '../up' }, {}, { latent }))).rejects.toThrow(
      'file name "../up" may only use letters, digits, _ - . (up to 100 characters)',
    );
  });

  it('Load Latent errors name the param and the file', async () => {
    await expect(loadLatentNode.execute(context({ latent: '' }, {}))).rejects.toThrow(
      'param "latent": no .latent file chosen',
    );
    await expect(loadLatentNode.execute(context({ latent: 'gone.latent' }, {}))).rejects.toThrow(
      'param "latent": file not found: /graphs/gone.latent',
    );
    const signal = new AbortController().signal;
    await expect(loadLatentNode.cacheSalt?.({ latent: 'gone.latent' }, services({}), signal)).rejects.toThrow(
      'param "latent": file not found',
    );
    const notLatent = { 'a.png': new Uint8Array(16) };
    await expect(loadLatentNode.execute(context({ latent: 'a.png' }, notLatent))).rejects.toThrow(
      /^param "latent": a\.png: not a readable safetensors/,
    );
    const wrongRank = encodeLatentFile(float32Tensor(new Float32Array(4), [4, 1, 1]));
    const dataUrl = 'data:application/octet-stream;base64,AA';
    await expect(
      loadLatentNode.execute(context({ latent: dataUrl }, { [dataUrl]: new Uint8Array(1) })),
    ).rejects.toThrow(/^param "latent": the dropped \.latent file: not a readable safetensors/);
    await expect(
      loadLatentNode.execute(context({ latent: 'r.latent' }, { 'r.latent': wrongRank })),
    ).rejects.toThrow('param "latent": r.latent: "latent_tensor" has shape [4, 1, 1]');
  });
});
