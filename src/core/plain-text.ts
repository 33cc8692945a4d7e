/**
 * Text from a graph (ids, types, names, messages quoting them) made safe for a terminal or a log:
 * every control character (C0, DEL, C1) and the Unicode line and paragraph separators, bidi
 * overrides and isolates are shown as escapes (`\n`, `\t`, `\x1b`, `\u202e`), so one message stays
 * one line and a shared graph cannot forge extra `error:` lines, move the cursor or recolour the
 * terminal. A backslash stays as it is: the output is for reading, not for parsing back.
 */

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

// C0 controls, DEL, C1 controls, line/paragraph separators, bidi embeddings/overrides/isolates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeOne(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with its control characters escaped (see the module comment). */
export function plainText(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}
