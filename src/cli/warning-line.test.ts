import { describe, expect, it } from 'vitest';
import { warningLine } from './warning-line';

describe('warningLine', () => {
  it('is one line naming the node', () => {
    expect(warningLine('lora', '3 keys matched no weight')).toBe('warning: lora: 3 keys matched no weight\n');
  });

  it('escapes control characters so a message cannot break the line or drive the terminal', () => {
    const line = warningLine('n\x1b[2J', 'first\nsecond\r\t\x07\x7f\u2028end');
    expect(line).toBe('warning: n\\x1b[2J: first\\nsecond\\r\\t\\x07\\x7f\\u2028end\n');
    expect([...line.slice(0, -1)].every((c) => c.charCodeAt(0) >= 0x20)).toBe(true);
  });
});
