import { servicePool } from './address.js';
import { HttpProblem } from './problem.js';

export interface ServiceClientOptions {
  /** The service's name, used in error messages. */
  name: string;
  /** Time to wait for response headers. */
  timeoutMs?: number;
}

export interface ServiceResponse<T> {
  status: number;
  body: T;
}

export interface ServiceClient {
  getJson<T>(
    path: string,
    options?: { requestId?: string; headers?: Record<string, string> },
  ): Promise<ServiceResponse<T>>;
  close(): Promise<void>;
}

const REFUSED = new Set([
  'ECONNREFUSED',
  // A service on a Unix socket that is restarting: its socket file is gone for a moment.
  'ENOENT',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);
const TIMED_OUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** An upstream failure as the problem a caller should see: 504 for slow, 503 for down. */
export function upstreamProblem(service: string, error: unknown, timeoutMs: number): HttpProblem | undefined {
  const code = (error as { code?: string }).code ?? '';
  if (TIMED_OUT.has(code)) {
    return new HttpProblem(504, `the ${service} service did not answer within ${timeoutMs} ms`, { service });
  }
  if (REFUSED.has(code)) {
    return new HttpProblem(503, `the ${service} service is unavailable (${code}); retry shortly`, {
      service,
      retryAfter: 5,
    });
  }
  return undefined;
}

/** A keep-alive HTTP client for one service, with timeouts and request-id propagation. */
export function serviceClient(baseUrl: string, options: ServiceClientOptions): ServiceClient {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const pool = servicePool(baseUrl, {
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connectTimeout: timeoutMs,
  });
  return {
    async getJson<T>(path: string, request: { requestId?: string; headers?: Record<string, string> } = {}) {
      try {
        const response = await pool.request({
          path,
          method: 'GET',
          headers: {
            accept: 'application/json',
            ...request.headers,
            ...(request.requestId ? { 'x-request-id': request.requestId } : {}),
          },
        });
        return { status: response.statusCode, body: (await response.body.json()) as T };
      } catch (error) {
        throw upstreamProblem(options.name, error, timeoutMs) ?? error;
      }
    },
    close: () => pool.close(),
  };
}
