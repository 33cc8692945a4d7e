import type { ValidationIssue } from '../../src/core/validation-error';
import type { PackHandle } from '../../src/runtime/models/pack-handle';

/**
 * What Empty Latent's pre-flight declares about the latent it will make: its size in image
 * pixels and in latent cells, and the node whose `width` / `height` params decide it, so a
 * U-Net that cannot take that size is refused naming that node and param.
 */
export interface LatentSizeFact {
  readonly kind: 'latent-size';
  readonly nodeId: string;
  readonly title: string;
  readonly width: number;
  readonly height: number;
  readonly vaeFactor: number;
  readonly channels: number;
  /** Whether a VAE decided `channels` and `vaeFactor` (else SD1.x's 4 and 8). */
  readonly fromVae: boolean;
}

export function isLatentSizeFact(value: unknown): value is LatentSizeFact {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'latent-size';
}

/** A pre-flight fact that carries an opened pack (a U-Net or VAE value from its loader). */
export function packOfFact(value: unknown): PackHandle | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const pack = (value as { pack?: unknown }).pack;
  if (typeof pack !== 'object' || pack === null || !('models' in pack)) return undefined;
  return pack as PackHandle;
}

/**
 * Where `latent` does not fit the U-Net of `unet`: the channels against the model set's
 * `latentChannels`, and the latent's height and width against the fixed dims the U-Net's
 * `sample` input declares (the reference pack's U-Net takes 16 x 16 latents: 128-px images).
 * A U-Net whose dims are symbolic (SD1.5 exports) takes any size here. Read from the manifest
 * or configs only; no session is created.
 */
export function latentFitIssues(unet: PackHandle, latent: LatentSizeFact): ValidationIssue[] {
  const models = unet.models;
  const where = `the U-Net of ${models.name}`;
  const expectedChannels = models.constants.latentChannels;
  if (latent.channels !== expectedChannels) {
    return [
      {
        code: 'node_rule',
        nodeId: latent.nodeId,
        port: 'vae',
        message: latent.fromVae
          ? `${latent.title} makes a latent of ${latent.channels} channels (its VAE's); ${where} takes ${expectedChannels}`
          : `without a VAE, ${latent.title} makes SD1.x's ${latent.channels}-channel latent; ${where} takes ${expectedChannels}: wire that pack's VAE into "vae"`,
      },
    ];
  }
  const sample = models.components.unet?.inputs.find((i) => i.name === 'sample');
  const [, , fixedH, fixedW] = sample?.shape ?? [];
  const issues: ValidationIssue[] = [];
  const check = (param: 'width' | 'height', pixels: number, fixed: number | string | undefined) => {
    // A size that is not a multiple of the VAE factor is Empty Latent's own issue.
    if (typeof fixed !== 'number' || pixels % latent.vaeFactor !== 0) return;
    const cells = pixels / latent.vaeFactor;
    if (cells === fixed) return;
    issues.push({
      code: 'node_rule',
      nodeId: latent.nodeId,
      param,
      message: `${param} ${pixels} makes a latent ${cells} ${param === 'width' ? 'wide' : 'high'}; ${where} (${models.components.unet?.file}) takes only ${fixed}: set ${param} to ${fixed * latent.vaeFactor}`,
    });
  };
  check('width', latent.width, fixedW);
  check('height', latent.height, fixedH);
  return issues;
}
