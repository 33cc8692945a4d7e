import { describe, expect, it } from 'vitest';
import { serverUrlSchema } from './remote-engine-choice';

describe('serverUrlSchema', () => {
  it('takes an http(s) URL and drops trailing slashes', () => {
    expect(serverUrlSchema.parse(' http://127.0.0.1:8188/ ')).toBe('http://127.0.0.1:8188');
    expect(serverUrlSchema.parse('https://gpu-box.example/kosmograph')).toBe(
      'https://gpu-box.example/kosmograph',
    );
  });

  it('refuses other schemes, credentials in the URL, queries and fragments, saying what is wanted', () => {
    const message = (text: string) => serverUrlSchema.safeParse(text).error?.issues[0]?.message;
    expect(message('ftp://host')).toBe('an http:// or https:// URL');
    expect(message('http://user:secret@host')).toMatch(/without user/);
    expect(message('http://host/?token=x')).toMatch(/without user, query or fragment/);
    expect(message('gpu-box')).toBe('a URL like http://gpu-box:8188');
  });
});
