/** A Server-Sent Events reader over fetch, for the API tests. */
export interface SseEvent {
  readonly id?: string;
  readonly data: { readonly type: string } & Record<string, unknown>;
}

/** Reads `url`'s events, calling `onEvent` for each, until the stream ends or `onEvent` returns true. */
export async function readEvents(
  url: string,
  headers: Record<string, string>,
  onEvent: (event: SseEvent) => boolean | undefined | Promise<boolean | undefined>,
): Promise<SseEvent[]> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  if (response.status !== 200) throw new Error(`GET ${url}: HTTP ${response.status}`);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return events;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        const fields = new Map<string, string>();
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
        }
        const data = fields.get('data');
        if (data === undefined) continue;
        const event: SseEvent = {
          ...(fields.has('id') ? { id: fields.get('id')! } : {}),
          data: JSON.parse(data),
        };
        events.push(event);
        if (await onEvent(event)) return events;
      }
    }
  } finally {
    controller.abort();
  }
}
