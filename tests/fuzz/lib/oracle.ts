import type { WireResult } from './http.js';

/**
 * What every answer must satisfy:
 *  - an answer at all, complete, within the timeout (else a hang), on a connection that holds
 *    (unless the request was too large to read: see `judge`);
 *  - status < 500, except a 503 that is problem+json and names a dependency that is genuinely
 *    unavailable here (`UNAVAILABLE_DEPENDENCIES`); 500, 502 and 504 always fail;
 *  - every 4xx is `application/problem+json`: a JSON object whose `status`, if given, is the
 *    status of the response (RFC 9457);
 *  - a 2xx that says it is JSON parses as JSON.
 */

export interface Verdict {
  ok: boolean;
  /** `hang`, `connection`, `5xx`, `4xx not problem+json`, `2xx not JSON`, or `503 dependency` (ok). */
  kind: string;
  status?: number;
  /** The problem's title and detail, or the error. */
  detail: string;
}

/**
 * The 503s that are allowed: the dependency is outside the stack and really missing here.
 *  - stats.nba.com: the fuzz stack points `NBA_API_URL` at a closed loopback port (nothing on
 *    this machine may reach the internet, and a real fetch would take up to 30 s).
 *  - the translation engine, on a machine with neither Debian's `trans-de-en` nor the Bergamot
 *    model (CI installs `trans-de-en`, so there this never happens).
 * Anything else that answers 503 — the gateway finding a service down, the SQL console's own
 * database, an installed engine that fails mid-text — is a failure.
 */
export const UNAVAILABLE_DEPENDENCIES: readonly { operation: RegExp; detail: RegExp; name: string }[] = [
  { operation: /^POST \/api\/stats\/snapshots$/, detail: /stats\.nba\.com/, name: 'stats.nba.com (unreachable)' },
  {
    operation: /^POST \/api\/translate(\/stream)?$/,
    detail: /translation unavailable|still loading|model file .* is missing|dictionary file .* not found/,
    name: 'translation engine (not installed)',
  },
];

interface Problem {
  status?: unknown;
  title?: unknown;
  detail?: unknown;
}

/**
 * `oversized`: the request is past what any HTTP server reads (a request head over Node's 16 KiB,
 * a body over the gateway's 16 MiB). The server answers 431/413 and closes the connection, and the
 * reset may reach the client before that answer does: then a cut connection is a fair refusal.
 */
export function judge(operation: string, result: WireResult, oversized = false): Verdict {
  switch (result.outcome) {
    case 'unsendable':
      return { ok: true, kind: 'unsendable', detail: result.error };
    case 'timeout':
      return {
        ok: false,
        kind: 'hang',
        ...(result.status !== undefined ? { status: result.status } : {}),
        detail: `no complete answer in ${result.ms} ms${result.status !== undefined ? ` (status ${result.status} came, the body did not end)` : ''}`,
      };
    case 'connection':
      if (oversized) return { ok: true, kind: 'oversized, connection closed', detail: result.error };
      return { ok: false, kind: 'connection', ...(result.status !== undefined ? { status: result.status } : {}), detail: result.error };
    case 'response':
      break;
  }
  const { status, contentType, body } = result;
  // Only the first 64 KiB of a body are kept: a longer one cannot be parsed here.
  const truncated = result.bytes > Buffer.byteLength(body);
  const isProblemType = /^application\/problem\+json\s*(;|$)/i.test(contentType);
  let problem: Problem | undefined;
  if (/json/i.test(contentType)) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) problem = parsed as Problem;
    } catch {}
  }
  const detail = problem
    ? [problem.title, problem.detail].filter((part) => typeof part === 'string').join(': ')
    : `${contentType || 'no content type'}: ${body.slice(0, 300)}`;
  if (status >= 500) {
    if (status === 503 && isProblemType && problem) {
      const dependency = UNAVAILABLE_DEPENDENCIES.find(
        (entry) => entry.operation.test(operation) && entry.detail.test(String(problem?.detail ?? '')),
      );
      if (dependency) return { ok: true, kind: `503 ${dependency.name}`, status, detail };
    }
    return { ok: false, kind: '5xx', status, detail };
  }
  if (status >= 400) {
    if (!isProblemType) return { ok: false, kind: '4xx not problem+json', status, detail };
    if (!problem && !truncated) {
      return { ok: false, kind: '4xx not problem+json', status, detail: `body is not a JSON object: ${body.slice(0, 300)}` };
    }
    if (!problem) return { ok: true, kind: '4xx', status, detail: `${body.slice(0, 200)}…` };
    if (problem.status !== undefined && problem.status !== status) {
      return { ok: false, kind: '4xx not problem+json', status, detail: `problem says status ${String(problem.status)}: ${detail}` };
    }
    return { ok: true, kind: '4xx', status, detail };
  }
  if (status >= 200 && status < 300 && /^application\/json/i.test(contentType) && !truncated && body !== '') {
    try {
      JSON.parse(body);
    } catch {
      return { ok: false, kind: '2xx not JSON', status, detail: body.slice(0, 300) };
    }
  }
  return { ok: true, kind: 'ok', status, detail: '' };
}
