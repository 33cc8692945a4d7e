/**
 * Socket types carried by node ports. A connection is allowed only between
 * ports of the same socket type (see `canConnect`), with one exception:
 * PROMPT accepts TEXT (a plain text is an interleaved prompt without images).
 */
export const SOCKET_TYPES = [
  'IMAGE',
  'MASK',
  'TEXT',
  'PROMPT',
  'MLLM_HIDDEN',
  'CONDITIONING',
  'LATENT',
  'UNET',
  'VAE',
  'CONTROLNET',
  'LORA',
  'CLIP',
  'MLLM',
  'ALIGNER',
  'MODEL_PACK',
  // Scalar values on wires: a param shown as an input takes one (see `paramSocketType`).
  'INT',
  'FLOAT',
  'STRING',
  'BOOLEAN',
] as const;

export type SocketType = (typeof SOCKET_TYPES)[number];

/** Socket types an input of type `input` accepts, beyond its own. */
const WIDENINGS: Partial<Record<SocketType, readonly SocketType[]>> = {
  PROMPT: ['TEXT'],
};

export function socketAccepts(input: SocketType, output: SocketType): boolean {
  return input === output || (WIDENINGS[input]?.includes(output) ?? false);
}

/** One colour per socket type, shared by the editor's handles and legend. */
export const SOCKET_COLORS: Record<SocketType, string> = {
  IMAGE: '#64b5f6',
  MASK: '#81c784',
  TEXT: '#fff176',
  PROMPT: '#ffd54f',
  MLLM_HIDDEN: '#ce93d8',
  CONDITIONING: '#ffb74d',
  LATENT: '#f06292',
  UNET: '#9575cd',
  VAE: '#e57373',
  CONTROLNET: '#4db6ac',
  LORA: '#aed581',
  CLIP: '#ffcc80',
  MLLM: '#ba68c8',
  ALIGNER: '#90a4ae',
  MODEL_PACK: '#a1887f',
  INT: '#7986cb',
  FLOAT: '#4dd0e1',
  STRING: '#dce775',
  BOOLEAN: '#ff8a65',
};
