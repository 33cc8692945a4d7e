import { plainText } from '../core/plain-text';

/**
 * A node's warning as the one stderr line `warning: <node id>: <message>`, both parts through
 * plainText (control characters as escapes), so a message cannot break the line or drive the
 * terminal.
 */
export function warningLine(nodeId: string, message: string): string {
  return `warning: ${plainText(nodeId)}: ${plainText(message)}\n`;
}
