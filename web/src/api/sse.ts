import { ApiError } from './problem';

/** One server-sent event (the `message` type when the stream named none). */
export interface SseEvent {
  event: string;
  data: string;
  id: string | undefined;
}

/**
 * An incremental parser for `text/event-stream` (the WHATWG rules): feed it text as it
 * arrives, in chunks cut anywhere — even between `\r` and `\n` — and it returns the events
 * completed so far. EventSource cannot POST, so the translate stream is read with fetch.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private eventType = '';
  private lastId: string | undefined;
  private started = false;
  private pendingCr = false;

  push(chunk: string): SseEvent[] {
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    // A `\r` at the end of the last chunk already ended a line: skip the `\n` that pairs with it.
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    const events: SseEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A lone `\r` at the very end might be the first half of `\r\n`.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) {
        this.pendingCr = true;
      }
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  /** The stream ended: an event without its closing blank line is dropped, as the spec says. */
  end(): SseEvent[] {
    this.buffer = '';
    this.data = [];
    this.eventType = '';
    return [];
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.eventType = value;
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const hadData = this.data.length > 0;
    const event: SseEvent = {
      event: this.eventType || 'message',
      data: this.data.join('\n'),
      id: this.lastId,
    };
    this.data = [];
    this.eventType = '';
    return hadData ? event : undefined;
  }
}

/** Reads a response body as server-sent events. */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    reader.releaseLock();
  }
}

/** One event of a stream the document declares: its name and its parsed JSON data. */
export interface DeclaredEvent {
  event: string;
  data: unknown;
}

/**
 * Reads a declared event stream (kit's one vocabulary: `progress` …, then `done` or `error`, each
 * with JSON data): every event as the union `E` the document gives for that operation's 200.
 * Data that is not JSON breaks the contract and fails the stream as an ApiError.
 */
export async function* readDeclaredEvents<E extends DeclaredEvent>(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<E> {
  for await (const event of readEvents(body)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(event.data);
    } catch {
      throw new ApiError({
        type: 'about:blank',
        title: 'Unreadable answer',
        status: 0,
        detail: `The server sent a “${event.event}” event whose data is not JSON.`,
      });
    }
    yield { event: event.event, data: parsed, ...(event.id === undefined ? {} : { id: event.id }) } as E;
  }
}
