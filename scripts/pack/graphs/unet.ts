/**
 * The U-Net: the exact denoiser of the shapes world.
 *
 * Templates (the 468 world latents, scaled space) are built in-graph from factor initializers:
 * `palette.weight` (entity colours, RGB in [-1,1]; the LoRA target), background colours, the VAE
 * colour code and the pooled slot masks. Given x_t and a (fractional) timestep, the noise level
 * is interpolated from the training schedule's log-sigma table (as k-diffusion does), the
 * posterior over templates is softmax(prior logits + Gaussian log-likelihood), x0_hat is the
 * posterior mean and eps = (x_t - sqrt(abar) x0_hat) / sqrt(1 - abar).
 * Prior logits = mean over the 77 conditioning positions @ a constraint matrix (0 for templates
 * the prompt allows, -penalty per violated constraint; all zero when unconditional), plus the
 * ControlNet's per-layout evidence: every residual input is summed over its spatial dims.
 */

import { COND, COND_LENGTH, COND_WIDTH, CONSTRAINT_PENALTY } from '../features';
import { flat, transpose } from '../linalg';
import { GraphBuilder, int, ints, type ValueSpec } from '../onnx-builder';
import { logSigmas } from '../schedule';
import {
  BACKGROUND_RGB,
  BACKGROUNDS,
  COLOR_RGB,
  COLORS,
  LATENT_CHANNELS,
  LATENT_DIM,
  LATENT_MATRIX,
  LATENT_PIXELS,
  LATENT_SIZE,
  LAYOUTS,
  poolToLatent,
  SHAPES,
  SLOT_NAMES,
  SLOT_SHAPE_COUNT,
  slotMask,
  TEMPLATES,
  toSigned,
} from '../world';

export const PALETTE_INITIALIZER = 'palette.weight';

/** SD1.5-like residual resolutions (3 per level) at a 16x16 latent; channel = layout. */
export const DOWN_RESOLUTIONS = [16, 16, 16, 8, 8, 8, 4, 4, 4, 2, 2, 2] as const;
export const downResidualName = (i: number): string => `down_block_additional_residual_${i}`;
export const MID_RESIDUAL_NAME = 'mid_block_additional_residual';

export function residualSpecs(): ValueSpec[] {
  return [
    ...DOWN_RESOLUTIONS.map((r, i) => ({
      name: downResidualName(i),
      dtype: 'float32' as const,
      shape: ['batch', LAYOUTS.length, r, r],
    })),
    { name: MID_RESIDUAL_NAME, dtype: 'float32', shape: ['batch', LAYOUTS.length, 1, 1] },
  ];
}

export const UNET_IO = {
  inputs: [
    { name: 'sample', dtype: 'float32', shape: ['batch', LATENT_CHANNELS, LATENT_SIZE, LATENT_SIZE] },
    // Declared without a shape in the ONNX file: [batch] or a scalar (broadcast) are both accepted.
    { name: 'timestep', dtype: 'float32', shape: ['batch'] },
    { name: 'encoder_hidden_states', dtype: 'float32', shape: ['batch', COND_LENGTH, COND_WIDTH] },
    ...residualSpecs(),
  ],
  outputs: [
    { name: 'out_sample', dtype: 'float32', shape: ['batch', LATENT_CHANNELS, LATENT_SIZE, LATENT_SIZE] },
  ],
} satisfies { inputs: ValueSpec[]; outputs: ValueSpec[] };

export const paletteSigned = (): Float32Array => flat(COLORS.map((c) => toSigned(COLOR_RGB[c])));

/** Prior constraint matrix [COND_WIDTH, templates]. */
export function priorMatrix(): Float32Array {
  const n = TEMPLATES.length;
  const w = new Float32Array(COND_WIDTH * n);
  const penalize = (start: number, size: number, keep: number, j: number) => {
    for (let f = 0; f < size; f++) if (f !== keep) w[(start + f) * n + j] = -CONSTRAINT_PENALTY;
  };
  TEMPLATES.forEach((t, j) => {
    penalize(COND.bg, 3, BACKGROUNDS.indexOf(t.background), j);
    w[(t.entities.length === 1 ? COND.pair : COND.single) * n + j] = -CONSTRAINT_PENALTY;
    const [e1, e2] = t.entities;
    penalize(COND.color1, 4, COLORS.indexOf(e1!.color), j);
    penalize(COND.shape1, 3, SHAPES.indexOf(e1!.shape), j);
    if (e2) {
      penalize(COND.color2, 4, COLORS.indexOf(e2.color), j);
      penalize(COND.shape2, 3, SHAPES.indexOf(e2.shape), j);
    }
  });
  return w;
}

/** Builds the template latents [468, 1024] in-graph from the factor initializers. */
function buildTemplates(g: GraphBuilder): string {
  const n = TEMPLATES.length;
  const selBg = new Float32Array(n * 3);
  const selC1 = new Float32Array(n * 4);
  const selC2 = new Float32Array(n * 4);
  const selK1 = new Float32Array(n * SLOT_SHAPE_COUNT);
  const selK2 = new Float32Array(n * SLOT_SHAPE_COUNT);
  TEMPLATES.forEach((t, j) => {
    selBg[j * 3 + BACKGROUNDS.indexOf(t.background)] = 1;
    const layout = LAYOUTS[t.layout]!;
    selC1[j * 4 + COLORS.indexOf(t.entities[0]!.color)] = 1;
    selK1[j * SLOT_SHAPE_COUNT + layout.slots[0]!] = 1;
    if (t.entities[1]) {
      selC2[j * 4 + COLORS.indexOf(t.entities[1].color)] = 1;
      selK2[j * SLOT_SHAPE_COUNT + layout.slots[1]!] = 1;
    }
  });
  const masks: number[][] = [];
  for (const slot of SLOT_NAMES)
    for (const shape of SHAPES) masks.push([...poolToLatent(slotMask(slot, shape))]);

  const mT = g.weight('world.latent_matrix_t', [3, LATENT_CHANNELS], flat(transpose(LATENT_MATRIX)));
  const palette = g.weight(PALETTE_INITIALIZER, [COLORS.length, 3], paletteSigned());
  const bgs = g.weight(
    'world.background_rgb',
    [3, 3],
    flat(BACKGROUNDS.map((b) => toSigned(BACKGROUND_RGB[b]))),
  );
  const latPal = g.matmul(palette, mT); // [4 colours, 4 ch]
  const latBg = g.matmul(bgs, mT); // [3, 4]
  const pooled = g.weight('world.slot_masks', [SLOT_SHAPE_COUNT, LATENT_PIXELS], flat(masks));
  const m1 = g.matmul(g.weight('world.select_mask1', [n, SLOT_SHAPE_COUNT], selK1), pooled); // [n,P]
  const m2 = g.matmul(g.weight('world.select_mask2', [n, SLOT_SHAPE_COUNT], selK2), pooled);
  const bgLat = g.unsqueeze(g.matmul(g.weight('world.select_background', [n, 3], selBg), latBg), [2]); // [n,4,1]
  const c1Lat = g.unsqueeze(g.matmul(g.weight('world.select_color1', [n, 4], selC1), latPal), [2]);
  const c2Lat = g.unsqueeze(g.matmul(g.weight('world.select_color2', [n, 4], selC2), latPal), [2]);
  const one = g.constF([1], []);
  const uncovered = g.unsqueeze(g.sub(one, g.add(m1, m2)), [1]); // [n,1,P]
  const t = g.add(
    g.mul(bgLat, uncovered),
    g.add(g.mul(c1Lat, g.unsqueeze(m1, [1])), g.mul(c2Lat, g.unsqueeze(m2, [1]))),
  ); // [n,4,P]
  return g.reshape(t, [n, LATENT_DIM]);
}

export function buildUnet(): Uint8Array {
  const g = new GraphBuilder('unet');
  const [sampleSpec, timestepSpec, ehsSpec, ...residuals] = UNET_IO.inputs;
  const sample = g.input(sampleSpec!);
  const timestep = g.input({ ...timestepSpec!, shape: null });
  const ehs = g.input(ehsSpec!);
  const residualNames = residuals.map((r) => g.input(r));

  const n = TEMPLATES.length;
  const templates = buildTemplates(g); // [n, D]
  const templatesT = g.op('Transpose', [templates], { perm: ints([1, 0]) });
  const tNorm = g.reduceSum(g.mul(templates, templates), [1], false); // [n]

  // Noise level: interpolate log sigma at a fractional timestep.
  const table = g.weight('schedule.log_sigmas', [1000], Float32Array.from(logSigmas()));
  const tc = g.clip(g.reshape(timestep, [-1]), 0, 999);
  const t0 = g.op('Floor', [tc]);
  const frac = g.sub(tc, t0);
  const i0 = g.op('Cast', [t0], { to: int(7) });
  const i1 = g.op('Min', [g.add(i0, g.constI64([1], [])), g.constI64([999], [])]);
  const ls0 = g.op('Gather', [table, i0], { axis: int(0) });
  const ls1 = g.op('Gather', [table, i1], { axis: int(0) });
  const logSigma = g.reshape(g.add(ls0, g.mul(frac, g.sub(ls1, ls0))), [-1, 1]); // [b,1]
  const sigma2 = g.op('Exp', [g.scale(logSigma, 2)]);
  const one = g.constF([1], []);
  const abar = g.div(one, g.add(one, sigma2)); // alpha_bar
  const oneMinus = g.mul(sigma2, abar); // 1 - alpha_bar without cancellation
  const sa = g.op('Sqrt', [abar]);
  const sb = g.op('Sqrt', [oneMinus]);

  const x = g.reshape(sample, [-1, LATENT_DIM]); // [B,D]
  const xT = g.matmul(x, templatesT); // [B,n]
  const logLik = g.div(g.sub(g.mul(sa, xT), g.mul(g.scale(abar, 0.5), tNorm)), oneMinus);

  const cond = g.op('ReduceMean', [ehs], { axes: ints([1]), keepdims: int(0) }); // [B,C]
  const prior = g.matmul(cond, g.weight('prior.constraints', [COND_WIDTH, n], priorMatrix()));

  const layoutToTemplate = new Float32Array(LAYOUTS.length * n);
  TEMPLATES.forEach((t, j) => {
    layoutToTemplate[t.layout * n + j] = 1;
  });
  let evidence = g.reduceSum(residualNames[0]!, [2, 3], false);
  for (const r of residualNames.slice(1)) evidence = g.add(evidence, g.reduceSum(r, [2, 3], false));
  const control = g.matmul(
    evidence,
    g.weight('control.layout_to_template', [LAYOUTS.length, n], layoutToTemplate),
  );

  const post = g.op('Softmax', [g.add(g.add(logLik, prior), control)], { axis: int(-1) });
  const x0 = g.matmul(post, templates); // [B,D]
  const eps = g.div(g.sub(x, g.mul(sa, x0)), sb);
  g.output(g.reshape(eps, [-1, LATENT_CHANNELS, LATENT_SIZE, LATENT_SIZE]), UNET_IO.outputs[0]!);
  return g.toBytes('shapes-world U-Net: exact posterior-mean denoiser over 468 template latents');
}
