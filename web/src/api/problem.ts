/** An RFC 9457 problem document as the services return it (`application/problem+json`). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** Validation failures: `field` is a path such as `body.name`. */
  errors?: FieldError[];
  [extension: string]: unknown;
}

export interface FieldError {
  field: string;
  message: string;
}

/** A failed API call: the HTTP status and the problem the server sent (or one made up for it). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
  get status(): number {
    return this.problem.status;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Turns whatever an error response carried into a problem document. The body may be a real
 * problem, some other JSON, plain text (a proxy's error page) or nothing at all.
 */
export function toProblem(status: number, statusText: string, body: unknown): Problem {
  const title = statusText || defaultTitle(status);
  if (isRecord(body)) {
    const errors = Array.isArray(body.errors) ? body.errors.filter(isFieldError) : undefined;
    const detail =
      typeof body.detail === 'string'
        ? body.detail
        : typeof body.message === 'string'
          ? body.message
          : typeof body.error === 'string'
            ? body.error
            : undefined;
    return {
      ...body,
      type: typeof body.type === 'string' ? body.type : 'about:blank',
      title: typeof body.title === 'string' ? body.title : title,
      status: typeof body.status === 'number' ? body.status : status,
      ...(detail !== undefined ? { detail } : {}),
      ...(errors ? { errors } : {}),
    };
  }
  const text = typeof body === 'string' ? body.trim() : '';
  const detail = text && !text.startsWith('<') && text.length < 500 ? text : undefined;
  return { type: 'about:blank', title, status, ...(detail ? { detail } : {}) };
}

function isFieldError(value: unknown): value is FieldError {
  return isRecord(value) && typeof value.field === 'string' && typeof value.message === 'string';
}

function defaultTitle(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    409: 'Conflict',
    413: 'Payload Too Large',
    422: 'Unprocessable Entity',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return titles[status] ?? `HTTP ${status}`;
}

/** A problem for a request that never got an answer (offline, DNS, connection refused). */
export function networkProblem(cause: unknown): Problem {
  const reason = cause instanceof Error && cause.message ? ` (${cause.message})` : '';
  return {
    type: 'about:blank',
    title: 'No connection',
    status: 0,
    detail: `The server could not be reached${reason}. Check your connection and try again.`,
  };
}

/** `body.name` → `name`, `querystring.from` → `from`: the name of the input it belongs to. */
export function fieldName(path: string): string {
  const parts = path.split('.').filter(Boolean);
  if (
    parts.length > 1 &&
    ['body', 'querystring', 'query', 'params', 'headers', 'request'].includes(parts[0] ?? '')
  )
    parts.shift();
  return parts.join('.');
}

/** Field errors keyed by input name; several messages for one field are joined. */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError)) return out;
  for (const { field, message } of error.problem.errors ?? []) {
    const name = fieldName(field);
    out[name] = out[name] ? `${out[name]}; ${message}` : message;
  }
  // Domain checks name one field as an extension: `{detail, field: 'body.end'}`.
  const { field, detail } = error.problem;
  if (typeof field === 'string' && detail && !out[fieldName(field)]) out[fieldName(field)] = detail;
  return out;
}

/** One readable sentence for any error: the problem's detail, else its title, else the message. */
export function describeError(error: unknown): { title: string; detail: string } {
  if (error instanceof ApiError) {
    const { title, detail, status } = error.problem;
    const heading = status ? `${title} (${status})` : title;
    return { title: heading, detail: detail ?? explainStatus(status) };
  }
  if (error instanceof Error) return { title: 'Something went wrong', detail: error.message };
  return { title: 'Something went wrong', detail: String(error) };
}

function explainStatus(status: number): string {
  if (status === 401) return 'Please sign in again.';
  if (status === 403) return 'Your role does not allow this.';
  if (status === 404) return 'It does not exist (any more).';
  if (status === 503) return 'The service is not available right now; try again shortly.';
  if (status === 504) return 'The service took too long to answer.';
  if (status >= 500) return 'The server failed; try again, and report it if it keeps happening.';
  return 'The request was refused.';
}
