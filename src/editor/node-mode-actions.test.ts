import { describe, expect, it } from 'vitest';
import { diamondGraph } from '../../test/fixtures/arithmetic-registry';
import { withModeToggled } from './node-mode-actions';

const modes = (g: ReturnType<typeof diamondGraph>) =>
  Object.fromEntries(g.nodes.filter((n) => n.mode !== undefined).map((n) => [n.id, n.mode]));

describe('withModeToggled', () => {
  it('gives every chosen node the mode, then takes it away (the key pressed again)', () => {
    const once = withModeToggled(diamondGraph(), new Set(['add', 'c']), 'bypass');
    expect(modes(once)).toEqual({ add: 'bypass', c: 'bypass' });
    const twice = withModeToggled(once, new Set(['add', 'c']), 'bypass');
    expect(modes(twice)).toEqual({});
    expect(twice.nodes.every((n) => !('mode' in n))).toBe(true);
  });

  it('sets the mode on all when only some have it, and switches bypass to mute', () => {
    const some = withModeToggled(diamondGraph(), new Set(['add']), 'mute');
    expect(modes(withModeToggled(some, new Set(['add', 'c']), 'mute'))).toEqual({ add: 'mute', c: 'mute' });
    expect(modes(withModeToggled(some, new Set(['add']), 'bypass'))).toEqual({ add: 'bypass' });
  });

  it('returns the same document when nothing is selected', () => {
    const g = diamondGraph();
    expect(withModeToggled(g, new Set(), 'mute')).toBe(g);
  });
});
