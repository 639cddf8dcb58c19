import type { components } from './schema';

/**
 * An RFC 9457 problem document (`application/problem+json`), as every service declares it: kit's
 * one shape, with `errors: [{ field, message }]` naming each bad field as `body.x`, `query.x`,
 * `path.x` or `header.x`. Operations that add members (a fleet 409's `conflicts`) declare them
 * on their own responses.
 */
export type Problem = components['schemas']['users.Problem'];
export type FieldError = NonNullable<Problem['errors']>[number];

/** A failed API call: the HTTP status and the problem the server sent (or one made for it). */
export class ApiError<P extends Problem = Problem> extends Error {
  override readonly name: string = 'ApiError';
  constructor(
    readonly problem: P,
    /** The answer's Retry-After, in seconds (429, 503). */
    readonly retryAfter?: number,
  ) {
    super(problem.detail);
  }
  get status(): number {
    return this.problem.status;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether an error body is a problem document (a proxy in front of the gateway may send HTML). */
export function isProblem(body: unknown): body is Problem {
  return (
    isRecord(body) &&
    typeof body.type === 'string' &&
    typeof body.title === 'string' &&
    typeof body.status === 'number' &&
    typeof body.detail === 'string'
  );
}

/**
 * The problem an error response stands for: the document the service sent, or — when something
 * in between answered instead (a proxy's error page, nothing at all) — one made from the status.
 */
export function toProblem(status: number, statusText: string, body: unknown): Problem {
  if (isProblem(body)) return body;
  return { type: 'about:blank', title: statusText || defaultTitle(status), status, detail: explainStatus(status) };
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

function explainStatus(status: number): string {
  if (status === 401) return 'Please sign in again.';
  if (status === 403) return 'Your role does not allow this.';
  if (status === 404) return 'It does not exist (any more).';
  if (status === 503) return 'The service is not available right now; try again shortly.';
  if (status === 504) return 'The service took too long to answer.';
  if (status >= 500) return 'The server failed; try again, and report it if it keeps happening.';
  return 'The request was refused.';
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

/* ---------- Field errors, beside the inputs they name ---------- */

/** A form's inputs, each with the field path the API names it by: `{ password: 'body.password' }`. */
export type FieldMap<K extends string = string> = Readonly<Record<K, string>>;

export interface FormErrors<K extends string> {
  /** Each input's errors, in words, once. */
  byInput: Partial<Record<K, string>>;
  /** Errors naming a field the form has no input for: the problem message lists them. */
  others: FieldError[];
}

/**
 * The field errors of a refused call, placed on the form's inputs: `errors[].field` is looked up
 * in `inputs` (by the path the API uses), its message said in words. Several messages for one
 * input are joined; the same message twice is said once.
 */
export function formErrors<K extends string>(error: unknown, inputs: FieldMap<K>): FormErrors<K> {
  const byInput: Partial<Record<K, string>> = {};
  const others: FieldError[] = [];
  if (!(error instanceof ApiError)) return { byInput, others };
  const inputOf = new Map<string, K>(Object.entries<string>(inputs).map(([input, path]) => [path, input as K]));
  const said = new Map<K, string[]>();
  for (const fieldError of error.problem.errors ?? []) {
    const input = inputOf.get(fieldError.field);
    if (input === undefined) {
      others.push(fieldError);
      continue;
    }
    const messages = said.get(input) ?? [];
    const words = inWords(fieldError.message);
    if (!messages.includes(words)) messages.push(words);
    said.set(input, messages);
  }
  for (const [input, messages] of said) byInput[input] = messages.join(' ');
  return { byInput, others };
}

const sentence = (text: string) => {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
};

/** A field error's message (kit already says it in words: "must be at least 8 characters") as a sentence. */
export function inWords(message: string): string {
  return sentence(message);
}

/* ---------- The message for a whole problem ---------- */

/**
 * The heading and sentence for any error. A problem with field errors is not read out as its
 * detail (which repeats them with their paths): the fields say them, and the sentence points there.
 */
export function describeError(error: unknown, inputs: FieldMap = {}): { title: string; detail: string } {
  if (error instanceof ApiError) {
    const { title, detail, status, errors } = error.problem;
    const heading = status ? `${title} (${status})` : title;
    if (errors && errors.length > 0) {
      const { byInput, others } = formErrors(error, inputs);
      const marked = Object.keys(byInput).length;
      if (others.length === 0) {
        return { title: heading, detail: marked === 1 ? 'Correct the marked field.' : `Correct the ${marked} marked fields.` };
      }
      return { title: heading, detail: marked === 0 ? 'The request was refused:' : 'Correct the marked fields, and:' };
    }
    return { title: heading, detail };
  }
  if (error instanceof Error) return { title: 'Something went wrong', detail: error.message };
  return { title: 'Something went wrong', detail: String(error) };
}

/** `body.attributes.colour` → `attributes.colour`: a field without an input, as it is shown. */
export const fieldLabel = (path: string) => path.replace(/^(body|query|path|header)\./, '');
