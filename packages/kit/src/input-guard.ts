import type { FastifyInstance } from 'fastify';
import { HttpProblem } from './problem.js';
import { type FieldError, fieldPath } from './contract.js';

/** Deeper JSON is refused before parsing: no Flotilla schema nests beyond a handful of levels. */
export const MAX_JSON_DEPTH = 64;

/**
 * Refuses, for every service, input that no PostgreSQL text column can hold and no schema needs:
 * U+0000 or half a surrogate pair anywhere in a body, query string or path parameter (PostgreSQL
 * rejects NUL in text with SQLSTATE 22021, which would surface as a 500) and JSON nested deeper
 * than MAX_JSON_DEPTH (walking it would risk the stack). Each answers 400 naming the field.
 */
export function installInputGuard(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
      done(
        new HttpProblem(400, `body is nested deeper than ${MAX_JSON_DEPTH} levels`, {
          errors: [{ field: fieldPath('body'), message: `must not nest deeper than ${MAX_JSON_DEPTH} levels` }],
        }),
      );
      return;
    }
    parseJson(request, text, done);
  });
  app.addHook('preValidation', async (request) => {
    const errors = [
      ...unstorableFields(fieldPath('path'), request.params),
      ...unstorableFields(fieldPath('query'), request.query),
      ...unstorableFields(fieldPath('body'), request.body),
    ];
    if (errors.length > 0) {
      throw new HttpProblem(400, errors.map((e) => `${e.field} ${e.message}`).join('; '), { errors });
    }
  });
}

/** Whether JSON text opens more than `limit` arrays/objects at once (strings skipped). */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

const NUL_MESSAGE = 'must not contain a NUL character (U+0000)';
const SURROGATE_MESSAGE = 'must be valid Unicode (it has half of a UTF-16 surrogate pair)';
// Half a pair would be stored as U+FFFD in text (silently changed) and is refused by jsonb.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function problemWith(text: string): string | undefined {
  if (text.includes('\u0000')) return NUL_MESSAGE;
  if (LONE_SURROGATE.test(text)) return SURROGATE_MESSAGE;
  return undefined;
}

/** Field paths (`body.items.0.name`) of every string, or key, no text column could store. Iterative. */
function unstorableFields(part: string, value: unknown): FieldError[] {
  const found: FieldError[] = [];
  const stack: Array<[string, unknown]> = [[part, value]];
  while (stack.length > 0) {
    const [path, current] = stack.pop() as [string, unknown];
    if (typeof current === 'string') {
      const message = problemWith(current);
      if (message) found.push({ field: path, message });
    } else if (isPlainData(current)) {
      for (const [key, child] of Object.entries(current)) {
        const message = problemWith(key);
        if (message) found.push({ field: `${path}.${key}`, message });
        stack.push([`${path}.${key}`, child]);
      }
    }
  }
  return found;
}

/** Parsed JSON and query objects; never a Buffer or the stream body the gateway passes through. */
function isPlainData(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return false;
  return typeof (value as { pipe?: unknown }).pipe !== 'function';
}
