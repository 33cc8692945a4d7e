/**
 * Meaning of the feature dimensions the shapes-world graphs pass to each other.
 *
 * MLLM hidden states (width HIDDEN_SIZE) form a residual stream: token-level features (what a
 * word or an image token says), then contextual features the MLLM writes (which entity an
 * attribute belongs to, and the background). The aligner pools the contextual part into the
 * conditioning features, which live in the first dims of the CLIP-like conditioning space.
 */
export const HIDDEN_SIZE = 48;
export const COND_WIDTH = 32;
export const COND_LENGTH = 77;
export const IMAGE_TOKENS = 4;

/** Token-level dims. */
export const TOK = {
  color: 0, // 4: red green blue yellow
  shape: 4, // 3: circle square triangle
  bg: 7, // 3: white gray black (text words)
  and: 10,
  style: 11,
  presence: 12, // "an entity is mentioned here"
  imageBg: 13, // 3: background read from an image
} as const;

/** Contextual dims written by the MLLM. */
export const CTX = {
  entity1: 16, // 7: colour(4) + shape(3)
  entity1Present: 23,
  entity2: 24, // 7
  entity2Present: 31,
  bg: 32, // 3
} as const;

/** Conditioning feature dims (the first COND_FEATURES dims of the conditioning width). */
export const COND = {
  bg: 0, // 3
  single: 3,
  pair: 4,
  color1: 5, // 4
  shape1: 9, // 3
  color2: 12, // 4
  shape2: 16, // 3
} as const;
export const COND_FEATURES = 19;

/** Log-prior penalty per violated prompt constraint, in the U-Net's prior logits. */
export const CONSTRAINT_PENALTY = 12;
