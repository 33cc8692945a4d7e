/**
 * VAE encoder and decoder of the shapes world.
 *
 * Encoder: one 8x8 stride-8 convolution: each latent pixel is LATENT_MATRIX applied to the patch's
 * mean colour, divided by the scaling factor (so `latent * 0.18215` is the scaled latent).
 *
 * Decoder: for each of the 12 layouts, a least-squares fit of the latent by "background +
 * per-slot colour offsets times the slot's pooled mask" (a linear projection); the layouts are
 * weighted by a sharp softmax over their residuals; the image is the fitted colours painted with
 * the full-resolution masks (crisp edges, any colour, so pastel works) plus the weighted residual
 * upsampled 8x (so an off-world latent looks dirty instead of being snapped to a template).
 */

import { flat, pinvColumns, transpose } from '../linalg';
import { GraphBuilder, int, ints } from '../onnx-builder';
import {
  IMAGE_SIZE,
  LATENT_CHANNELS,
  LATENT_MATRIX,
  LATENT_PIXELS,
  LATENT_SIZE,
  LAYOUTS,
  poolToLatent,
  SHAPES,
  SLOT_NAMES,
  SLOT_SHAPE_COUNT,
  slotMask,
  VAE_FACTOR,
  VAE_SCALING_FACTOR,
} from '../world';

export const VAE_ENCODER_IO = {
  inputs: [{ name: 'sample', dtype: 'float32', shape: ['batch', 3, IMAGE_SIZE, IMAGE_SIZE] }],
  outputs: [
    { name: 'latent_sample', dtype: 'float32', shape: ['batch', LATENT_CHANNELS, LATENT_SIZE, LATENT_SIZE] },
  ],
} as const;

export const VAE_DECODER_IO = {
  inputs: [
    { name: 'latent_sample', dtype: 'float32', shape: ['batch', LATENT_CHANNELS, LATENT_SIZE, LATENT_SIZE] },
  ],
  outputs: [{ name: 'sample', dtype: 'float32', shape: ['batch', 3, IMAGE_SIZE, IMAGE_SIZE] }],
} as const;

/** Residual temperature of the decoder's layout choice (sum of squares over the scaled latent). */
const LAYOUT_TEMPERATURE = 0.02;

export function buildVaeEncoder(): Uint8Array {
  const g = new GraphBuilder('vae_encoder');
  const x = g.input(VAE_ENCODER_IO.inputs[0]);
  const k = VAE_FACTOR * VAE_FACTOR;
  const w = new Float32Array(LATENT_CHANNELS * 3 * k);
  for (let o = 0; o < LATENT_CHANNELS; o++)
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < k; i++) w[(o * 3 + c) * k + i] = LATENT_MATRIX[o]![c]! / k / VAE_SCALING_FACTOR;
  const weight = g.weight('encoder.conv.weight', [LATENT_CHANNELS, 3, VAE_FACTOR, VAE_FACTOR], w);
  const y = g.op('Conv', [x, weight], {
    kernel_shape: ints([VAE_FACTOR, VAE_FACTOR]),
    strides: ints([VAE_FACTOR, VAE_FACTOR]),
  });
  g.output(y, VAE_ENCODER_IO.outputs[0]);
  return g.toBytes('shapes-world VAE encoder: per-patch linear colour code');
}

/** Pseudo-inverse of LATENT_MATRIX (3x4): scaled latent colour -> RGB in [-1,1]. */
export function latentToRgbMatrix(): number[][] {
  return pinvColumns(LATENT_MATRIX);
}

export function buildVaeDecoder(): Uint8Array {
  const g = new GraphBuilder('vae_decoder');
  const input = g.input(VAE_DECODER_IO.inputs[0]);
  const nL = LAYOUTS.length;
  const P = LATENT_PIXELS;

  // Pooled and full-resolution slot-shape masks.
  const masksHi: Uint8Array[] = [];
  const masksLo: Float64Array[] = [];
  for (const slot of SLOT_NAMES)
    for (const shape of SHAPES) {
      const m = slotMask(slot, shape);
      masksHi.push(m);
      masksLo.push(poolToLatent(m));
    }

  // Per-layout design matrices A_L [P,3] = [1, m_slot1, m_slot2 (0 for singles)] and their pinv.
  const pinvT = new Float32Array(nL * P * 3); // [L, P, 3]
  const designT = new Float32Array(nL * 3 * P); // [L, 3, P]
  LAYOUTS.forEach((layout, L) => {
    const cols = layout.slots.length + 1;
    const a: number[][] = [];
    for (let p = 0; p < P; p++) a.push([1, ...layout.slots.map((k) => masksLo[k]![p]!)]);
    const pinv = pinvColumns(a); // [cols, P]
    for (let j = 0; j < cols; j++)
      for (let p = 0; p < P; p++) {
        pinvT[(L * P + p) * 3 + j] = pinv[j]![p]!;
        designT[(L * 3 + j) * P + p] = a[p]![j]!;
      }
  });

  // Map (layout, coefficient) -> paint basis (0 = everywhere/background, 1+k = slot-shape mask k).
  const nBasis = 1 + SLOT_SHAPE_COUNT;
  const slotMap = new Float32Array(nL * 3 * nBasis);
  LAYOUTS.forEach((layout, L) => {
    slotMap[(L * 3 + 0) * nBasis + 0] = 1;
    layout.slots.forEach((k, s) => {
      slotMap[(L * 3 + 1 + s) * nBasis + 1 + k] = 1;
    });
  });
  const basis = new Uint8Array(nBasis * IMAGE_SIZE * IMAGE_SIZE);
  basis.fill(1, 0, IMAGE_SIZE * IMAGE_SIZE);
  masksHi.forEach((m, k) => {
    basis.set(m, (1 + k) * IMAGE_SIZE * IMAGE_SIZE);
  });

  // Nearest 8x upsampling as two matmuls: U [128,16] @ X @ U^T.
  const up = new Float32Array(IMAGE_SIZE * LATENT_SIZE);
  for (let i = 0; i < IMAGE_SIZE; i++) up[i * LATENT_SIZE + Math.floor(i / VAE_FACTOR)] = 1;
  const upT = flat(
    transpose(Array.from({ length: IMAGE_SIZE }, (_, i) => Array.from(up.subarray(i * 16, i * 16 + 16)))),
  );

  const z = g.reshape(g.scale(input, VAE_SCALING_FACTOR), [-1, LATENT_CHANNELS, P]); // [B,4,P]
  const z1 = g.unsqueeze(z, [1]); // [B,1,4,P]
  const beta = g.matmul(z1, g.weight('decoder.layout_pinv', [nL, P, 3], pinvT)); // [B,L,4,3]
  const fit = g.matmul(beta, g.weight('decoder.layout_design', [nL, 3, P], designT)); // [B,L,4,P]
  const resid = g.sub(z1, fit);
  const r = g.reduceSum(g.mul(resid, resid), [2, 3], false); // [B,L]
  const w = g.op('Softmax', [g.scale(r, -1 / LAYOUT_TEMPERATURE)], { axis: int(-1) });
  const w4 = g.unsqueeze(w, [2, 3]); // [B,L,1,1]
  const wres = g.reduceSum(g.mul(resid, w4), [1], false); // [B,4,P]
  const bw = g.op('Transpose', [g.mul(beta, w4)], { perm: ints([0, 2, 1, 3]) }); // [B,4,L,3]
  const coef = g.matmul(
    g.reshape(bw, [-1, LATENT_CHANNELS, nL * 3]),
    g.weight('decoder.slot_map', [nL * 3, nBasis], slotMap),
  ); // [B,4,nBasis]
  const toRgb = g.weight('decoder.latent_to_rgb', [3, LATENT_CHANNELS], flat(latentToRgbMatrix()));
  const rgbCoef = g.matmul(toRgb, coef); // [B,3,nBasis]
  const basisF = g.op('Cast', [g.weight('decoder.paint_basis', [nBasis, IMAGE_SIZE * IMAGE_SIZE], basis)], {
    to: int(1),
  });
  const painted = g.reshape(g.matmul(rgbCoef, basisF), [-1, 3, IMAGE_SIZE, IMAGE_SIZE]);
  const residRgb = g.reshape(g.matmul(toRgb, wres), [-1, 3, LATENT_SIZE, LATENT_SIZE]);
  const upW = g.weight('decoder.upsample', [IMAGE_SIZE, LATENT_SIZE], up);
  const upTW = g.weight('decoder.upsample_t', [LATENT_SIZE, IMAGE_SIZE], upT);
  const residUp = g.matmul(g.matmul(upW, residRgb), upTW);
  const image = g.clip(g.add(painted, residUp), -1, 1);
  g.output(image, VAE_DECODER_IO.outputs[0]);
  return g.toBytes('shapes-world VAE decoder: per-layout projection painted at full resolution + residual');
}
