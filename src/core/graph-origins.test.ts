import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import { remoteOrigins } from './graph-origins';

const { lookup } = createNodeRegistry();
const node = (id: string, type: string, params: Record<string, string>) => ({
  id,
  type,
  typeVersion: 1,
  params,
});

describe('remoteOrigins: where a graph would fetch from', () => {
  it('lists the origins of http(s) image and text params and model URLs, not the app nor data: URLs', () => {
    const origins = remoteOrigins(
      {
        nodes: [
          node('a', 'image.load', { image: 'https://tracker.example:8443/p.png?u=1' }),
          node('b', 'image.load', { image: 'data:image/png;base64,AAAA' }),
          node('c', 'image.load', { image: 'http://localhost:5173/examples/cat.png' }),
          node('d', 'models.checkpoint', { checkpoint: ' HTTP://Models.Example/sd15/ ' }),
          node('e', 'image.load', { image: 'photos/cat.png' }),
        ],
        models: [{ id: 'm', url: 'https://cdn.example/pack/manifest.json', sha256: 'a'.repeat(64) }],
      },
      lookup,
      'http://localhost:5173',
    );
    expect(origins).toEqual(['http://models.example', 'https://cdn.example', 'https://tracker.example:8443']);
  });

  it('ignores numbers, unknown node types and prompt text that merely mentions no URL', () => {
    expect(
      remoteOrigins(
        {
          nodes: [
            node('p', 'conditioning.clip_text_encode', { text: 'a photo' }),
            node('x', 'nope', { image: 'https://a.example/' }),
          ],
        },
        lookup,
        'http://localhost',
      ),
    ).toEqual([]);
  });
});
