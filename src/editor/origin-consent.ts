/**
 * The web origins the user has allowed graphs to fetch from (images, model folders, LoRA files),
 * kept in localStorage. A graph that names a new origin is run only after the user says yes:
 * fetching is what would tell a stranger's server that their shared graph was opened
 * (docs/security.md). The app's own origin is always allowed.
 */
import { z } from 'zod';

const KEY = 'kosmograph.allowedOrigins';
const storedSchema = z.array(z.string().url());

function read(): Set<string> {
  try {
    const parsed = storedSchema.safeParse(JSON.parse(localStorage.getItem(KEY) ?? '[]'));
    return new Set(parsed.success ? parsed.data : []);
  } catch {
    return new Set();
  }
}

/** The origins of `wanted` the user has not allowed yet. */
export function unapprovedOrigins(wanted: readonly string[]): string[] {
  const allowed = read();
  return wanted.filter((origin) => !allowed.has(origin));
}

export function approveOrigins(origins: readonly string[]): void {
  const allowed = read();
  for (const origin of origins) allowed.add(origin);
  try {
    localStorage.setItem(KEY, JSON.stringify([...allowed].sort()));
  } catch {
    // Storage full or blocked: the approval holds for this question only.
  }
}

/** Approves the origin of a URL the user typed themselves (a model URL in the Models dialog). */
export function approveTypedOrigin(url: string): void {
  try {
    const { origin, protocol } = new URL(url);
    if (protocol === 'http:' || protocol === 'https:') approveOrigins([origin]);
  } catch {
    // Not an absolute URL: nothing to approve (a relative one is the app's own origin).
  }
}

/**
 * Asks once for all of `origins` (none: true at once). `ask` is the question shown (the browser's
 * confirm by default); yes approves them all.
 */
export function consentToOrigins(
  origins: readonly string[],
  ask: (question: string) => boolean = (q) => window.confirm(q),
): boolean {
  const unapproved = unapprovedOrigins(origins);
  if (unapproved.length === 0) return true;
  const yes = ask(
    `This graph fetches from ${unapproved.length === 1 ? 'a site' : 'sites'} you have not allowed yet:\n\n${unapproved.join('\n')}\n\nThose sites will see the request. Allow and run?`,
  );
  if (yes) approveOrigins(unapproved);
  return yes;
}
