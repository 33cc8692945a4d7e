/**
 * A minimal Kosmos-G pipeline over the generated reference pack, written for the tests: prompt
 * encoding (MLLM + aligner, or CLIP), a DDIM / Euler-Karras sampler with classifier-free guidance
 * and the x0 clamp to the manifest's latent range, ControlNet residuals, LoRA merging, VAE.
 */
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { generateReferencePack } from '../../scripts/pack/generate';
import { type RgbImage, renderScene } from '../../scripts/pack/world';
import { readLoraSafetensors } from '../../src/runtime/lora/lora-safetensors';
import { type LoadedPack, loadPackFromDir } from '../../src/runtime/pack/load-pack';
import type { PackManifest } from '../../src/runtime/pack/manifest';
import { createRng } from '../../src/runtime/rng';
import {
  encodeClip,
  encodeInterleaved,
  padBatch,
  parseTokenizerJson,
  type WordLevelTokenizer,
} from './world-tokenizer';

const { onnx } = onnxProto;

export { renderScene };

export async function generateTempPack(): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'kosmograph-pack-')), 'shapes-world');
  await generateReferencePack(dir);
  return dir;
}

type Feeds = Record<string, ort.Tensor>;

export class Pipeline {
  readonly tokenizer: WordLevelTokenizer;
  readonly manifest: PackManifest;
  private sessions = new Map<string, Promise<ort.InferenceSession>>();

  constructor(readonly pack: LoadedPack) {
    this.manifest = pack.manifest;
    const tokFile = this.manifest.components.tokenizer.file;
    this.tokenizer = parseTokenizerJson(
      JSON.parse(new TextDecoder().decode(pack.bytes.get(tokFile)!)),
      tokFile,
    );
  }

  static async open(dir: string): Promise<Pipeline> {
    return new Pipeline(await loadPackFromDir(dir));
  }

  session(file: string, bytes?: Uint8Array): Promise<ort.InferenceSession> {
    const key = bytes ? `${file}#custom` : file;
    let s = this.sessions.get(key);
    if (!s) {
      s = ort.InferenceSession.create(bytes ?? this.pack.bytes.get(file)!);
      if (!bytes) this.sessions.set(key, s);
    }
    return s;
  }

  /** U-Net bytes with a LoRA merged at `strength` (kohya: W + s * alpha/rank * up @ down). */
  mergedUnet(lora: string, strength: number): Uint8Array {
    const c = this.manifest.components;
    const entry = c.loras[lora]!;
    const st = readLoraSafetensors(this.pack.bytes.get(entry.file)!, entry.file);
    const model = onnx.ModelProto.decode(this.pack.bytes.get(c.unet.file)!);
    for (const [prefix, initName] of Object.entries(entry.keyMap)) {
      const down = st.tensors.get(`${prefix}.lora_down.weight`)!;
      const up = st.tensors.get(`${prefix}.lora_up.weight`)!;
      const alpha = st.tensors.get(`${prefix}.alpha`)?.data[0] ?? down.shape[0]!;
      const rank = down.shape[0]!;
      const init = model.graph!.initializer!.find((t) => t.name === initName)!;
      const raw = init.rawData!;
      const w = new Float32Array(raw.slice().buffer);
      const [out, inn] = [up.shape[0]!, down.shape[1]!];
      for (let o = 0; o < out; o++)
        for (let i = 0; i < inn; i++) {
          let d = 0;
          for (let r = 0; r < rank; r++) d += up.data[o * rank + r]! * down.data[r * inn + i]!;
          w[o * inn + i]! += strength * (alpha / rank) * d;
        }
      init.rawData = new Uint8Array(w.buffer);
    }
    return onnx.ModelProto.encode(model).finish();
  }

  private async run(
    file: string,
    feeds: Feeds,
    bytes?: Uint8Array,
  ): Promise<ort.InferenceSession.OnnxValueMapType> {
    return (await this.session(file, bytes)).run(feeds);
  }

  /** Vision embeds [N, Timg, D] of RGB images. */
  async embedImages(images: readonly RgbImage[]): Promise<ort.Tensor> {
    const { inputSize: S, mean, std } = this.manifest.constants.vision;
    const c = this.manifest.components.vision;
    const x = new Float32Array(images.length * 3 * S * S);
    images.forEach((img, n) => {
      if (img.width !== S || img.height !== S) throw new Error('test images must match the vision size');
      for (let i = 0; i < S * S; i++)
        for (let k = 0; k < 3; k++)
          x[(n * 3 + k) * S * S + i] = (img.data[i * 3 + k]! / 255 - mean[k]!) / std[k]!;
    });
    const out = await this.run(c.file, {
      [c.inputs[0]!.name]: new ort.Tensor('float32', x, [images.length, 3, S, S]),
    });
    return out[c.outputs[0]!.name] as ort.Tensor;
  }

  /** Kosmos-G conditioning [1,77,C] of one interleaved prompt with its images. */
  async kosmosCondition(prompt: string, images: readonly RgbImage[] = []): Promise<Float32Array> {
    const k = this.manifest.constants;
    const comp = this.manifest.components;
    const enc = encodeInterleaved(this.tokenizer, prompt, {
      imageTokens: k.imageTokensPerImage,
      special: k.specialTokens,
      imageCount: images.length,
    });
    const batch = padBatch([enc], k.specialTokens.pad);
    const embeds =
      images.length > 0
        ? await this.embedImages(images)
        : new ort.Tensor('float32', new Float32Array(0), [0, k.imageTokensPerImage, k.mllmHiddenSize]);
    const dims = [batch.batch, batch.length];
    const hidden = await this.run(comp.mllm.file, {
      input_ids: new ort.Tensor('int64', batch.inputIds, dims),
      image_embeds: embeds,
      image_mask: new ort.Tensor('int64', batch.imageMask, dims),
    });
    const cond = await this.run(comp.aligner.file, {
      hidden_states: hidden.last_hidden_state as ort.Tensor,
      padding_mask: new ort.Tensor('int64', batch.paddingMask, dims),
    });
    return (cond.conditioning as ort.Tensor).data as Float32Array;
  }

  /** CLIP baseline conditioning [1,77,C]. */
  async clipCondition(text: string): Promise<Float32Array> {
    const k = this.manifest.constants;
    const ids = encodeClip(this.tokenizer, text, k.specialTokens, k.conditioningLength);
    const out = await this.run(this.manifest.components.text_encoder.file, {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
    });
    return (out.last_hidden_state as ort.Tensor).data as Float32Array;
  }

  async encodeLatents(images: readonly RgbImage[]): Promise<Float32Array> {
    const S = this.manifest.constants.imageSize;
    const x = new Float32Array(images.length * 3 * S * S);
    images.forEach((img, n) => {
      for (let i = 0; i < S * S; i++)
        for (let k = 0; k < 3; k++) x[(n * 3 + k) * S * S + i] = img.data[i * 3 + k]! / 127.5 - 1;
    });
    const out = await this.run(this.manifest.components.vae_encoder.file, {
      sample: new ort.Tensor('float32', x, [images.length, 3, S, S]),
    });
    return (out.latent_sample as ort.Tensor).data as Float32Array;
  }

  /** Decodes UNSCALED latents [n,4,16,16] to RGB images. */
  async decode(latents: Float32Array, n: number): Promise<RgbImage[]> {
    const k = this.manifest.constants;
    const out = await this.run(this.manifest.components.vae_decoder.file, {
      latent_sample: new ort.Tensor('float32', latents, [n, k.latentChannels, k.latentSize, k.latentSize]),
    });
    const y = (out.sample as ort.Tensor).data as Float32Array;
    const S = k.imageSize;
    return Array.from({ length: n }, (_, b) => {
      const data = new Uint8Array(S * S * 3);
      for (let i = 0; i < S * S; i++)
        for (let c = 0; c < 3; c++)
          data[i * 3 + c] = Math.max(0, Math.min(255, Math.round((y[(b * 3 + c) * S * S + i]! + 1) * 127.5)));
      return { width: S, height: S, data };
    });
  }

  alphasCumprod(): Float64Array {
    const s = this.manifest.constants.schedule;
    const a = Math.sqrt(s.betaStart);
    const b = Math.sqrt(s.betaEnd);
    const out = new Float64Array(s.trainSteps);
    let prod = 1;
    for (let i = 0; i < s.trainSteps; i++) {
      prod *= 1 - (a + ((b - a) * i) / (s.trainSteps - 1)) ** 2;
      out[i] = prod;
    }
    return out;
  }

  /**
   * Samples `seeds.length` images of one conditioning (cond vs uncond, CFG), returns UNSCALED
   * latents [n,4,16,16]. `sampler`: 'ddim' (integer timesteps) or 'euler-karras' (fractional).
   */
  async sample(opts: {
    cond: Float32Array;
    uncond: Float32Array;
    seeds: readonly number[];
    steps?: number;
    cfg?: number;
    sampler?: 'ddim' | 'euler-karras';
    /** One control image for every sample, or one per seed (same order as `seeds`). */
    control?: { image: RgbImage | readonly RgbImage[]; strength: number };
    unetBytes?: Uint8Array;
  }): Promise<Float32Array> {
    const k = this.manifest.constants;
    const comp = this.manifest.components;
    const n = opts.seeds.length;
    const D = k.latentChannels * k.latentSize * k.latentSize;
    const P = k.latentSize * k.latentSize;
    const L = k.conditioningLength * k.conditioningWidth;
    const steps = opts.steps ?? 20;
    const cfg = opts.cfg ?? 7;
    const ehsData = new Float32Array(2 * n * L);
    for (let i = 0; i < n; i++) {
      ehsData.set(opts.uncond, i * L);
      ehsData.set(opts.cond, (n + i) * L);
    }
    const ehs = new ort.Tensor('float32', ehsData, [2 * n, k.conditioningLength, k.conditioningWidth]);
    const x: Float32Array = new Float32Array(n * D);
    opts.seeds.forEach((seed, i) => {
      x.set(createRng(seed).randn(D), i * D);
    });

    const unetFile = comp.unet.file;
    const residualInputs = comp.unet.inputs.slice(3);
    const zeroResiduals: Feeds = {};
    for (const r of residualInputs) {
      const shape = r.shape.map((d) => (typeof d === 'number' ? d : 2 * n));
      zeroResiduals[r.name] = new ort.Tensor(
        'float32',
        new Float32Array(shape.reduce((a, b) => a * b, 1)),
        shape,
      );
    }
    let controlTensor: ort.Tensor | undefined;
    if (opts.control) {
      const S = k.imageSize;
      const images = opts.control.image;
      if (Array.isArray(images) && images.length !== n) throw new Error('one control image per seed');
      const c = new Float32Array(2 * n * 3 * S * S);
      for (let b = 0; b < 2 * n; b++) {
        const img = Array.isArray(images) ? (images as readonly RgbImage[])[b % n]! : (images as RgbImage);
        for (let i = 0; i < S * S; i++)
          for (let ch = 0; ch < 3; ch++) c[(b * 3 + ch) * S * S + i] = img.data[i * 3 + ch]! / 255;
      }
      controlTensor = new ort.Tensor('float32', c, [2 * n, 3, S, S]);
    }

    /** eps for uncond (first n) and cond (last n) at scaled-latent input xin and float timestep t. */
    const eps = async (xin: Float32Array, t: number): Promise<Float32Array> => {
      const both = new Float32Array(2 * n * D);
      both.set(xin, 0);
      both.set(xin, n * D);
      const sample = new ort.Tensor('float32', both, [2 * n, k.latentChannels, k.latentSize, k.latentSize]);
      const timestep = new ort.Tensor('float32', new Float32Array(2 * n).fill(t), [2 * n]);
      let residuals = zeroResiduals;
      if (opts.control && controlTensor) {
        const cn = comp.controlnet.canny!;
        const out = await this.run(cn.file, {
          sample,
          timestep,
          encoder_hidden_states: ehs,
          controlnet_cond: controlTensor,
        });
        residuals = {};
        for (const name of cn.residuals) {
          const t0 = out[name] as ort.Tensor;
          const d = (t0.data as Float32Array).map((v) => v * opts.control!.strength);
          residuals[name] = new ort.Tensor('float32', d, t0.dims);
        }
      }
      const out = await this.run(
        unetFile,
        { sample, timestep, encoder_hidden_states: ehs, ...residuals },
        opts.unetBytes,
      );
      return (out.out_sample as ort.Tensor).data as Float32Array;
    };

    const { min, max } = k.latentRange;
    /** Guided, clamped x0 from uncond/cond eps at noise level (sa, sb). */
    const guidedX0 = (xin: Float32Array, e: Float32Array, sa: number, sb: number): Float32Array => {
      const x0 = new Float32Array(n * D);
      for (let i = 0; i < n * D; i++) {
        const xu = (xin[i]! - sb * e[i]!) / sa;
        const xc = (xin[i]! - sb * e[n * D + i]!) / sa;
        const ch = Math.floor((i % D) / P);
        x0[i] = Math.max(min[ch]!, Math.min(max[ch]!, xu + cfg * (xc - xu)));
      }
      return x0;
    };

    let x0: Float32Array = new Float32Array(n * D);
    if ((opts.sampler ?? 'ddim') === 'ddim') {
      const abar = this.alphasCumprod();
      const T = abar.length;
      const ts = Array.from({ length: steps }, (_, i) => Math.round((T - 1) * (1 - i / steps)));
      for (let i = 0; i < steps; i++) {
        const a = abar[ts[i]!]!;
        const aPrev = i + 1 < steps ? abar[ts[i + 1]!]! : 1;
        const e = await eps(x, ts[i]!);
        x0 = guidedX0(x, e, Math.sqrt(a), Math.sqrt(1 - a));
        for (let j = 0; j < n * D; j++) {
          const eg = (x[j]! - Math.sqrt(a) * x0[j]!) / Math.sqrt(1 - a);
          x[j] = Math.sqrt(aPrev) * x0[j]! + Math.sqrt(1 - aPrev) * eg;
        }
      }
    } else {
      // k-diffusion Euler with Karras sigmas: x lives in sigma space, t is fractional.
      const logSig = [...this.alphasCumprod()].map((a) => 0.5 * Math.log((1 - a) / a));
      const sMin = Math.exp(logSig[0]!);
      const sMax = Math.exp(logSig[logSig.length - 1]!);
      const rho = 7;
      const sigmas = Array.from(
        { length: steps },
        (_, i) => (sMax ** (1 / rho) + (i / (steps - 1)) * (sMin ** (1 / rho) - sMax ** (1 / rho))) ** rho,
      );
      sigmas.push(0);
      const sigmaToT = (s: number) => {
        const ls = Math.log(s);
        let lo = 0;
        while (lo < logSig.length - 2 && logSig[lo + 1]! <= ls) lo++;
        const w = (ls - logSig[lo]!) / (logSig[lo + 1]! - logSig[lo]!);
        return Math.max(0, Math.min(logSig.length - 1, lo + w));
      };
      for (let j = 0; j < n * D; j++) x[j] = x[j]! * sigmas[0]!;
      for (let i = 0; i < steps; i++) {
        const s = sigmas[i]!;
        const cIn = 1 / Math.sqrt(1 + s * s);
        const xin = x.map((v) => v * cIn);
        const e = await eps(xin, sigmaToT(s));
        x0 = guidedX0(xin, e, cIn, s * cIn);
        const next = sigmas[i + 1]!;
        for (let j = 0; j < n * D; j++) x[j] = x[j]! + ((x[j]! - x0[j]!) / s) * (next - s);
      }
      x0 = x;
    }
    return x0.map((v) => v / k.vaeScalingFactor);
  }
}

/** Canny-like edge map of an image: white 1-2 px outlines on black. */
export function cannyOf(img: RgbImage): RgbImage {
  const { width: W, height: H, data } = img;
  const gray = new Float32Array(W * H);
  for (let i = 0; i < W * H; i++) gray[i] = (data[i * 3]! + data[i * 3 + 1]! + data[i * 3 + 2]!) / 3;
  const out = new Uint8Array(W * H * 3);
  const g = (x: number, y: number) =>
    gray[Math.min(H - 1, Math.max(0, y)) * W + Math.min(W - 1, Math.max(0, x))]!;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const gx = g(x + 1, y) - g(x - 1, y);
      const gy = g(x, y + 1) - g(x, y - 1);
      const v = Math.hypot(gx, gy) > 20 ? 255 : 0;
      out.fill(v, (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
  return { width: W, height: H, data: out };
}

export async function readBytes(path: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path));
}
