import { ApiError, networkProblem, toProblem } from './problem';

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Do not try to refresh the session on 401 (used by the auth calls themselves). */
  noRefresh?: boolean;
}

/** Builds `/api/...?a=1` leaving out empty query values. */
export function apiUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const search = params.toString();
  return `/api${path}${search ? `?${search}` : ''}`;
}

type Listener = () => void;
const unauthenticatedListeners = new Set<Listener>();

/** Called when the session has ended (a 401 that a refresh could not fix). */
export function onUnauthenticated(listener: Listener): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

let refreshing: Promise<boolean> | undefined;

/** One refresh at a time: concurrent 401s wait for the same attempt. */
function refreshSession(fetchImpl: typeof fetch): Promise<boolean> {
  refreshing ??= fetchImpl(apiUrl('/auth/refresh'), {
    method: 'POST',
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
  })
    .then((response) => response.ok)
    .catch(() => false)
    .finally(() => {
      refreshing = undefined;
    });
  return refreshing;
}

/** Sends a request; the response is what `fetch` returned (ok or not), or an ApiError on no answer. */
export async function send(
  method: string,
  path: string,
  options: RequestOptions = {},
  fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (options.signal) init.signal = options.signal;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  const url = apiUrl(path, options.query);
  const attempt = async () => {
    try {
      return await fetchImpl(url, init);
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
      throw new ApiError(networkProblem(cause));
    }
  };
  let response = await attempt();
  if (response.status === 401 && !options.noRefresh) {
    if (await refreshSession(fetchImpl)) response = await attempt();
    if (response.status === 401) for (const listener of unauthenticatedListeners) listener();
  }
  return response;
}

/** The error a non-2xx response stands for, read from its problem+json (or whatever it had). */
export async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
  }
  return new ApiError(toProblem(response.status, response.statusText, body));
}

/** Calls the API and returns the parsed JSON body (undefined for 204); throws ApiError otherwise. */
export async function request<T>(
  method: string,
  path: string,
  options: RequestOptions = {},
  fetchImpl?: typeof fetch,
): Promise<T> {
  const response = await send(method, path, options, fetchImpl);
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError({
      type: 'about:blank',
      title: 'Unreadable answer',
      status: response.status,
      detail: `The server answered ${path} with something that is not JSON.`,
    });
  }
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>('POST', path, { ...options, body }),
  patch: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>('PATCH', path, { ...options, body }),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>('PUT', path, { ...options, body }),
  delete: <T = void>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options),
};

/** A page of a cursor-paginated list, whatever envelope the service used. */
export interface Page<T> {
  items: T[];
  nextCursor: string | undefined;
}

export function toPage<T>(body: unknown): Page<T> {
  if (Array.isArray(body)) return { items: body as T[], nextCursor: undefined };
  if (typeof body === 'object' && body !== null) {
    const record = body as Record<string, unknown>;
    const list = [record.items, record.data, record.results, record.translations, record.users].find(
      Array.isArray,
    );
    const cursor = record.nextCursor ?? record.next_cursor ?? record.cursor ?? record.next;
    return {
      items: (list ?? []) as T[],
      nextCursor: typeof cursor === 'string' && cursor ? cursor : undefined,
    };
  }
  return { items: [], nextCursor: undefined };
}
