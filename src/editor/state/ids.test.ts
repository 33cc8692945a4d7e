import { describe, expect, it } from 'vitest';
import { idBase, newNodeId, uniqueId } from './ids';

describe('node ids', () => {
  it('derives a readable base from the type', () => {
    expect(idBase('sampling.sampler')).toBe('sampler');
    expect(idBase('conditioning.clip_text_encode')).toBe('clip_text_encode');
    expect(idBase('weird type!')).toBe('weird_type_');
  });

  it('counts up past taken ids', () => {
    expect(uniqueId('save', new Set())).toBe('save');
    expect(uniqueId('save', new Set(['save', 'save_2']))).toBe('save_3');
    expect(newNodeId('image.save', new Set(['save']))).toBe('save_2');
    expect(uniqueId('sampler_2', new Set(['sampler', 'sampler_2']))).toBe('sampler_3');
  });
});
