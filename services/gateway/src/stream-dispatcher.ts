import { Dispatcher } from 'undici';

/**
 * Requests for server-sent events (`Accept: text/event-stream`, as EventSource and the web app
 * send) go through a dispatcher of their own. A stream holds its upstream connection for as long
 * as it is open — fleet's change feeds for as long as a page is — so sharing the bounded pool
 * would let enough open pages queue every other request to that service behind them.
 */
export class StreamsApart extends Dispatcher {
  constructor(
    private readonly requests: Dispatcher,
    private readonly streams: Dispatcher,
  ) {
    super();
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return (wantsEventStream(options.headers) ? this.streams : this.requests).dispatch(options, handler);
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const closed = Promise.all([this.requests.close(), this.streams.close()]).then(() => {});
    if (!callback) return closed;
    void closed.then(callback, callback);
  }

  override destroy(): Promise<void>;
  override destroy(error: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(error: Error | null, callback: () => void): void;
  override destroy(first?: Error | null | (() => void), second?: () => void): Promise<void> | void {
    const error = typeof first === 'function' ? null : (first ?? null);
    const callback = typeof first === 'function' ? first : second;
    const destroyed = Promise.all([this.requests.destroy(error), this.streams.destroy(error)]).then(() => {});
    if (!callback) return destroyed;
    void destroyed.then(callback, callback);
  }
}

function wantsEventStream(headers: Dispatcher.DispatchOptions['headers']): boolean {
  if (!headers) return false;
  let accept: unknown;
  if (Array.isArray(headers)) {
    // Flat [name, value, name, value, …] pairs.
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === 'accept') accept = headers[i + 1];
    }
  } else if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [name, value] of headers as Iterable<[string, string | string[] | undefined]>) {
      if (name.toLowerCase() === 'accept') accept = value;
    }
  } else {
    const record = headers as Record<string, string | string[] | undefined>;
    accept = record.accept ?? record.Accept;
  }
  return String(accept ?? '').includes('text/event-stream');
}
