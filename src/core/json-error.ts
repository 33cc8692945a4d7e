/**
 * Why a text is not JSON, without quoting it: V8's SyntaxError messages carry an excerpt of the
 * text (`Unexpected token 'r', "root:x:0:0:"... is not valid JSON`), and the text may be any file a
 * graph names, so messages that reach a user, a log or a share say only where the text breaks.
 */
export function jsonErrorWhere(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const at = /at position (\d+)(?: \(line (\d+) column (\d+)\))?/.exec(message);
  if (at?.[2] !== undefined) return `breaks at line ${at[2]} column ${at[3]}`;
  if (at) return `breaks at character ${Number(at[1]) + 1}`;
  if (/end of JSON input|Unterminated/i.test(message)) return 'ends too early';
  return 'has an unexpected character';
}
