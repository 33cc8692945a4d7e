import { describe, expect, it } from 'vitest';
import { readSse, splitSse } from './remote-engine-sse';

describe('splitSse', () => {
  it('splits blank-line separated messages, keeping ids, joining data lines and skipping comments', () => {
    const { messages, rest } = splitSse(
      ': kosmograph events\n\nid: 1-0\ndata: {"type":"job:start"}\n\n: keep-alive\n\ndata: a\ndata: b\n\nid: 2',
    );
    expect(messages).toEqual([{ id: '1-0', data: '{"type":"job:start"}' }, { data: 'a\nb' }]);
    expect(rest).toBe('id: 2');
  });

  it('reads CRLF framing and a value without a space after the colon', () => {
    expect(splitSse('id:7\r\ndata:x\r\n\r\n').messages).toEqual([{ id: '7', data: 'x' }]);
  });
});

describe('readSse', () => {
  it('yields each message once, whatever the chunk boundaries', async () => {
    const text = 'id: 1\ndata: {"n":1}\n\nid: 2\ndata: {"n":2}\n\n';
    const bytes = new TextEncoder().encode(text);
    const chunks = [bytes.slice(0, 3), bytes.slice(3, 19), bytes.slice(19, 20), bytes.slice(20)];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const seen = [];
    for await (const message of readSse(body)) seen.push(message);
    expect(seen).toEqual([
      { id: '1', data: '{"n":1}' },
      { id: '2', data: '{"n":2}' },
    ]);
  });
});
