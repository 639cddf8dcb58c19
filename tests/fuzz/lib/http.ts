import http from 'node:http';

/** A request exactly as it goes on the wire: `target` is the raw path and query, not normalised. */
export interface WireRequest {
  method: string;
  target: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Connect from this local address (on a new connection). */
  localAddress?: string;
  /**
   * A 200 event stream counts as a complete answer once its first event has arrived, and is
   * then closed: for live feeds (fleet's `/{type}/events`), which never end by themselves.
   */
  firstEventEnough?: boolean;
}

export type WireResult =
  | {
      outcome: 'response';
      status: number;
      contentType: string;
      headers: http.IncomingHttpHeaders;
      /** The first `KEEP_BYTES` of the body. */
      body: string;
      bytes: number;
      ms: number;
    }
  /** No complete response in time: a hang. */
  | { outcome: 'timeout'; ms: number; status?: number; partialBody: string }
  /** The connection failed or was cut before a complete response. */
  | { outcome: 'connection'; ms: number; error: string; status?: number }
  /** Node's HTTP client refused to send it (a header value it cannot encode): not the server's fault. */
  | { outcome: 'unsendable'; error: string };

const KEEP_BYTES = 64 * 1024;
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/**
 * Sends one request to `base` and reads the whole response (SSE streams too, unless
 * `firstEventEnough`) within `timeoutMs`.
 * A kept-alive connection the server closed just before we reused it fails at once; as browsers
 * do, that request is sent once more on a new connection, so only the server's own resets count.
 */
export async function send(base: URL, request: WireRequest, timeoutMs: number): Promise<WireResult> {
  const first = await sendOnce(base, request, timeoutMs, request.localAddress ? false : agent);
  if (first.outcome === 'connection' && first.reusedSocket && first.status === undefined) {
    return sendOnce(base, request, timeoutMs, false);
  }
  return first;
}

function sendOnce(
  base: URL,
  request: WireRequest,
  timeoutMs: number,
  via: http.Agent | false,
): Promise<WireResult & { reusedSocket?: boolean }> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    let status: number | undefined;
    const chunks: Buffer[] = [];
    let kept = 0;
    let bytes = 0;
    const finish = (result: WireResult & { reusedSocket?: boolean }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    let outgoing: http.ClientRequest;
    try {
      outgoing = http.request({
        agent: via,
        ...(request.localAddress ? { localAddress: request.localAddress } : {}),
        host: base.hostname,
        port: base.port,
        method: request.method,
        path: request.target,
        headers,
      });
    } catch (error) {
      resolve({ outcome: 'unsendable', error: (error as Error).message });
      return;
    }
    const timer = setTimeout(() => {
      finish({ outcome: 'timeout', ms: elapsed(), ...(status !== undefined ? { status } : {}), partialBody: text() });
      outgoing.destroy(new Error('fuzz: timed out'));
    }, timeoutMs);
    const text = () => Buffer.concat(chunks).toString('utf8');
    outgoing.on('response', (response) => {
      status = response.statusCode ?? 0;
      const contentType = String(response.headers['content-type'] ?? '');
      const complete = () =>
        finish({
          outcome: 'response',
          status: status ?? 0,
          contentType,
          headers: response.headers,
          body: text().slice(0, KEEP_BYTES),
          bytes,
          ms: elapsed(),
        });
      const live = request.firstEventEnough && status === 200 && contentType.startsWith('text/event-stream');
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (kept < KEEP_BYTES) {
          chunks.push(chunk);
          kept += chunk.length;
        }
        // An event ends at a blank line (comments such as keep-alives are not events).
        if (live && /(^|\n)(event|data):[^\n]*\n(?:[^\n]+\n)*\n/.test(text())) {
          complete();
          outgoing.destroy();
        }
      });
      response.on('end', complete);
      response.on('error', (error) =>
        finish({ outcome: 'connection', ms: elapsed(), error: error.message, ...(status !== undefined ? { status } : {}) }),
      );
      response.on('aborted', () =>
        finish({ outcome: 'connection', ms: elapsed(), error: 'response aborted', ...(status !== undefined ? { status } : {}) }),
      );
    });
    outgoing.on('error', (error) => {
      const code = (error as NodeJS.ErrnoException).code;
      finish({
        outcome: 'connection',
        ms: elapsed(),
        error: code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message,
        ...(status !== undefined ? { status } : {}),
        reusedSocket: outgoing.reusedSocket,
      });
    });
    // A server that answers before reading the whole body (413, 401) may close while we write.
    outgoing.end(request.body);
  });
}

export function closeConnections(): void {
  agent.destroy();
}

/** A GET straight to a service's Unix socket, bypassing the gateway (diagnosing a hang). */
export function getViaSocket(socketPath: string, path: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const request = http.get({ socketPath, path, agent: false, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(`${response.statusCode} ${body.slice(0, 200)}`));
    });
    request.on('timeout', () => {
      request.destroy();
      resolve(`no answer in ${timeoutMs} ms`);
    });
    request.on('error', (error) => resolve(`error ${error.message}`));
  });
}
