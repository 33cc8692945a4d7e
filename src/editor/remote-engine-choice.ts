import { z } from 'zod';

/**
 * Which engine runs the editor's graphs: the engine worker in this browser, or a
 * `kosmograph serve` at a URL. The choice and the URL are kept in localStorage (they are not
 * secret); the token only in sessionStorage: it lives as long as this tab (reloads included) and
 * is never written where another tab, or the disk after the browser closes, keeps it
 * (docs/decisions.md, "Editor on a server").
 */
export type EngineChoice = { readonly kind: 'browser' } | { readonly kind: 'server'; readonly url: string };

export const ENGINE_CHOICE_KEY = 'kosmograph.engine';
export const ENGINE_TOKEN_KEY = 'kosmograph.engine-token';

/** `text` as a URL, or undefined (zod runs every check, so later checks see text that is no URL too). */
function urlOf(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** An http(s) URL with nothing after its path (no query, no fragment, no credentials). */
export const serverUrlSchema = z
  .string()
  .trim()
  .url('a URL like http://gpu-box:8188')
  .refine((text) => {
    const url = urlOf(text);
    return url === undefined || /^https?:$/.test(url.protocol);
  }, 'an http:// or https:// URL')
  .refine((text) => {
    const url = urlOf(text);
    return (
      url === undefined ||
      (url.username === '' && url.password === '' && url.search === '' && url.hash === '')
    );
  }, 'a URL without user, query or fragment (give the token in its own field)')
  .transform((text) => text.replace(/\/+$/, ''));

const choiceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('browser') }),
  z.object({ kind: z.literal('server'), url: serverUrlSchema }),
]);

function storage(kind: 'localStorage' | 'sessionStorage'): Storage | undefined {
  try {
    return globalThis[kind];
  } catch {
    return undefined; // storage disabled: the choice lasts for this page only
  }
}

/** The stored choice; anything unreadable is the browser. */
export function readEngineChoice(): EngineChoice {
  const text = storage('localStorage')?.getItem(ENGINE_CHOICE_KEY);
  if (!text) return { kind: 'browser' };
  try {
    const parsed = choiceSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : { kind: 'browser' };
  } catch {
    return { kind: 'browser' };
  }
}

export function readEngineToken(): string | undefined {
  return storage('sessionStorage')?.getItem(ENGINE_TOKEN_KEY) || undefined;
}

export function writeEngineChoice(choice: EngineChoice, token?: string): void {
  storage('localStorage')?.setItem(ENGINE_CHOICE_KEY, JSON.stringify(choice));
  const session = storage('sessionStorage');
  if (choice.kind === 'server' && token) session?.setItem(ENGINE_TOKEN_KEY, token);
  else session?.removeItem(ENGINE_TOKEN_KEY);
}
