import { parseJson } from '../json';

/** One server-sent event: its `event:` name (if any) and its joined `data:` lines. */
export interface SseEvent {
  readonly event?: string;
  readonly data: string;
}

/**
 * Server-sent events from a byte stream whose chunks may split anywhere: inside a line, inside
 * a multi-byte character, between \r and \n. Yields each event once its blank line arrives.
 */
export async function* readSse(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event: string | undefined;
  let data: string[] = [];
  const lines = function* (final: boolean) {
    for (;;) {
      const m = /\r\n|\r|\n/.exec(buffer);
      // A lone \r at the end may be the first half of \r\n: wait for the next chunk.
      if (!m || (m[0] === '\r' && m.index === buffer.length - 1 && !final)) return;
      yield buffer.slice(0, m.index);
      buffer = buffer.slice(m.index + m[0].length);
    }
  };
  const take = function* (line: string): Generator<SseEvent> {
    if (line === '') {
      if (data.length) yield { event, data: data.join('\n') };
      event = undefined;
      data = [];
      return;
    }
    if (line.startsWith(':')) return; // comment / keep-alive
    const at = line.indexOf(':');
    const field = at < 0 ? line : line.slice(0, at);
    const value = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  };
  for await (const chunk of chunks) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    for (const line of lines(false)) yield* take(line);
  }
  buffer += decoder.decode();
  for (const line of lines(true)) yield* take(line);
  if (buffer) yield* take(buffer);
  yield* take('');
}

/** The JSON payload of each event (`[DONE]` ends it; events that are not JSON, like pings, are skipped). */
export async function* sseJson(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  for await (const ev of readSse(chunks)) {
    if (ev.data === '[DONE]') return;
    const json = parseJson(ev.data);
    if (json && typeof json === 'object') yield json as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  }
}
