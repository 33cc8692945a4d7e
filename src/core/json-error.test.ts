import { describe, expect, it } from 'vitest';
import { jsonErrorWhere } from './json-error';

const failure = (text: string): unknown => {
  try {
    JSON.parse(text);
  } catch (error) {
    return error;
  }
  throw new Error('parsed');
};

describe('jsonErrorWhere: where a text breaks as JSON, never what it says', () => {
  it.each([
    'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1',
    '{"a": secret-token-123}',
    '{"key": "value with a bad \u0001 control"}',
    '{"unterminated": "abc',
    '',
    '[1, 2',
  ])('%j', (text) => {
    const where = jsonErrorWhere(failure(text));
    expect(where).toMatch(
      /^(breaks at (line \d+ column \d+|character \d+)|ends too early|has an unexpected character)$/,
    );
    for (const secret of ['root', 'secret', 'token', 'value', 'abc', 'daemon'])
      expect(where).not.toContain(secret);
  });
});
