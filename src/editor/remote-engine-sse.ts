/**
 * Server-Sent Events read from a fetch body. The browser's EventSource cannot send an
 * Authorization header (the server wants a Bearer token), so the stream is read with fetch and
 * split here; the framing (blank-line separated blocks of `field: value` lines, `:` comments) is
 * a dozen lines, smaller than a dependency.
 */
export interface SseMessage {
  readonly id?: string;
  readonly data: string;
}

/** Splits text into complete messages; returns them and the incomplete rest to prepend to the next chunk. */
export function splitSse(buffer: string): { messages: SseMessage[]; rest: string } {
  const text = buffer.replace(/\r\n?/g, '\n');
  const messages: SseMessage[] = [];
  let start = 0;
  let end = text.indexOf('\n\n', start);
  while (end >= 0) {
    let id: string | undefined;
    const data: string[] = [];
    for (const line of text.slice(start, end).split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
    if (data.length > 0) messages.push({ ...(id !== undefined ? { id } : {}), data: data.join('\n') });
    start = end + 2;
    end = text.indexOf('\n\n', start);
  }
  return { messages, rest: text.slice(start) };
}

/** Every message of a response body, in order. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const { messages, rest } = splitSse(buffer + decoder.decode(value, { stream: true }));
      buffer = rest;
      yield* messages;
    }
  } finally {
    reader.releaseLock();
  }
}
