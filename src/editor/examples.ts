/**
 * The example graphs in `public/examples/`: listed at build time (only their
 * `meta`), fetched when opened so relative image paths resolve next to them.
 */
const metas = import.meta.glob<{ name?: string; description?: string }>('../../public/examples/*.json', {
  eager: true,
  import: 'meta',
});

export interface ExampleEntry {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly url: string;
}

export const FIRST_EXAMPLE = 'subject-driven';

export const EXAMPLES: readonly ExampleEntry[] = Object.entries(metas)
  .map(([path, meta]) => {
    const id = path
      .split('/')
      .pop()!
      .replace(/\.json$/, '');
    return { id, title: meta?.name ?? id, description: meta?.description ?? '', url: `examples/${id}.json` };
  })
  .sort((a, b) => (a.id === FIRST_EXAMPLE ? -1 : b.id === FIRST_EXAMPLE ? 1 : a.id.localeCompare(b.id)));
