import type { FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from './errors.js';

/**
 * The one vocabulary of Flotilla's server-sent event streams: any number of `progress` events
 * (and events of the stream's own, such as translation's `text`), then exactly one of `done`
 * (the result) or `error` (a problem document). A stream that ends without either was cut.
 */
export const STREAM_EVENTS = { progress: 'progress', done: 'done', error: 'error' } as const;

export interface EventStream {
  /** Aborted when the client goes away before the stream ended. */
  readonly signal: AbortSignal;
  send(event: string, data: unknown, id?: string | number): void;
  /** Sends `done` and ends the stream. */
  done(result: unknown): void;
  /** Sends `error` with the problem the error stands for, logs what is the server's fault, ends. */
  fail(error: unknown): void;
  end(): void;
}

export interface EventStreamOptions {
  /** A comment line this often keeps proxies from closing a quiet stream. */
  heartbeatMs?: number;
  /** Sent as `retry:`: how long an EventSource waits before reconnecting once the stream is cut. */
  retryMs?: number;
}

/**
 * Takes the response over as `text/event-stream`, keeping the headers hooks set (request id).
 * Refusals that need no work (bad input, a missing engine) should be thrown before, as ordinary
 * problem responses; after this, errors travel as `error` events.
 */
export function openEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  { heartbeatMs = 15_000, retryMs }: EventStreamOptions = {},
): EventStream {
  const raw = reply.raw;
  const controller = new AbortController();
  // The response closing before we ended it means the client went away. (The request's own
  // 'close' fires once its body has been read, which for a POST is before any work.)
  raw.on('close', () => {
    if (!raw.writableEnded) controller.abort(new DOMException('client disconnected', 'AbortError'));
  });
  reply.hijack();
  raw.writeHead(200, {
    ...headersOf(reply.getHeaders()),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
    connection: 'keep-alive',
  });
  const open = () => !raw.writableEnded && !raw.destroyed;
  if (retryMs !== undefined) raw.write(`retry: ${Math.round(retryMs)}\n\n`);
  const heartbeat = setInterval(() => {
    if (open()) raw.write(': keep-alive\n\n');
  }, heartbeatMs);
  heartbeat.unref();
  const end = () => {
    clearInterval(heartbeat);
    if (open()) raw.end();
  };
  const send = (event: string, data: unknown, id?: string | number) => {
    if (!open()) return;
    raw.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  return {
    signal: controller.signal,
    send,
    done(result) {
      send(STREAM_EVENTS.done, result);
      end();
    },
    fail(error) {
      const problem = toProblem(error, request.id);
      if (problem.status >= 500) request.log.error({ err: error }, 'event stream failed');
      send(STREAM_EVENTS.error, problem.toJSON(request.url));
      end();
    },
    end,
  };
}

function headersOf(
  headers: Record<string, string | number | string[] | undefined>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value : String(value);
  }
  return out;
}
