/**
 * Which layout a model folder is, from its file names alone (a pure function, so the editor can
 * say what it recognised, or what it expected, before anything is read).
 */
import type { ModelLayout } from '../model-set';

export type Recognised =
  | { readonly ok: true; readonly layout: ModelLayout }
  | { readonly ok: false; readonly expected: string };

export const EXPECTED_LAYOUTS =
  "a kosmograph pack (manifest.json), or a Stable Diffusion ONNX export: model_index.json with unet/model.onnx, text_encoder/model.onnx, vae_decoder/model.onnx and tokenizer/vocab.json + merges.txt (diffusers' or optimum's layout)";

/** The layout of a folder given its (relative) file paths. */
export function recogniseLayout(paths: readonly string[]): Recognised {
  const has = new Set(paths);
  if (has.has('manifest.json')) return { ok: true, layout: 'kosmograph-pack' };
  if (has.has('kosmos-g.json')) return { ok: true, layout: 'kosmos-g-encoder' };
  if (has.has('model_index.json') && has.has('unet/model.onnx')) {
    const optimum = paths.some((p) => p.startsWith('unet/') && p.endsWith('.onnx_data'));
    return { ok: true, layout: optimum ? 'optimum-onnx' : 'diffusers-onnx' };
  }
  if (has.has('model_index.json')) {
    const safetensors = paths.some((p) => p.startsWith('unet/') && /\.(safetensors|bin)$/.test(p));
    return {
      ok: false,
      expected: safetensors
        ? 'an ONNX export: this is a diffusers PyTorch folder (unet/*.safetensors); export it to ONNX first (optimum-cli export onnx --model <folder> <out>)'
        : `${EXPECTED_LAYOUTS}; model_index.json is here but unet/model.onnx is missing`,
    };
  }
  if (paths.some((p) => /\.(safetensors|ckpt)$/.test(p) && !p.includes('/'))) {
    return {
      ok: false,
      expected: `${EXPECTED_LAYOUTS}; single-file checkpoints (.safetensors/.ckpt) need exporting to ONNX first`,
    };
  }
  return { ok: false, expected: EXPECTED_LAYOUTS };
}

/** Files of an ONNX component folder besides the model: its external data (weights.pb, model.onnx_data, ...). */
export function externalDataFiles(paths: readonly string[], folder: string): string[] {
  const prefix = `${folder}/`;
  return paths
    .filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
    .filter((p) => p !== `${prefix}model.onnx` && !p.endsWith('.json') && !p.endsWith('.md'))
    .filter((p) => !p.slice(prefix.length).startsWith('.'))
    .sort();
}
