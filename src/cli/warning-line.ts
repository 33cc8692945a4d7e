/**
 * A node's warning as the one stderr line `warning: <node id>: <message>`. Control characters
 * (newlines, escape sequences) in either part are written as JSON-style escapes, so a
 * message cannot break the line or drive the terminal.
 */
export function warningLine(nodeId: string, message: string): string {
  return `warning: ${escapeControl(nodeId)}: ${escapeControl(message)}\n`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
