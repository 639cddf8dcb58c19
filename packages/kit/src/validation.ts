import { Ajv, type ErrorObject, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { FieldError, FieldPart } from './contract.js';

// Nothing is removed or ignored: an unknown property is an error the sender must hear about (a
// typo in a field name would otherwise be silently dropped). See closedObjects().
const common: Options = { useDefaults: true, removeAdditional: false, allErrors: true, strict: false };

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ ...common, ...options });
  (addFormats as unknown as (ajv: Ajv) => void)(ajv);
  return ajv;
}

// A JSON body is typed by its sender, so `"5"` for a number is an error there; query strings,
// params and headers are text and are coerced to the schema's types.
const strict = makeAjv({ coerceTypes: false });
const coercing = makeAjv({ coerceTypes: 'array' });

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const validate = (httpPart === 'body' ? strict : coercing).compile(schema as object);
  return (data: unknown) =>
    validate(data) ? { value: data } : { error: toValidationError(validate.errors) };
};

function toValidationError(errors: ErrorObject[] | null | undefined): Error {
  const error = new Error('validation failed') as Error & { validation: ErrorObject[] };
  error.validation = errors ?? [];
  return error;
}

/** Fastify's names for the parts of a request, as OpenAPI (and every field path) names them. */
export const FIELD_PART: Record<string, FieldPart> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

/**
 * Objects that list their properties accept no others, unless they say so
 * (`additionalProperties`, `patternProperties`): applied to a route's body and querystring when
 * the route is declared, so the OpenAPI document says it too. Members of an `allOf` stay open,
 * since each one lists only part of the properties.
 */
export function closedObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closedObjects);
  if (schema === null || typeof schema !== 'object') return schema;
  const record = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === 'allOf') out[key] = value;
    else if (key === 'properties' && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, closedObjects(sub)]));
    } else if (key === 'items' || key === 'anyOf' || key === 'oneOf' || key === 'prefixItems') {
      out[key] = closedObjects(value);
    } else out[key] = value;
  }
  const lists = record.properties !== undefined && typeof record.properties === 'object';
  if (lists && record.additionalProperties === undefined && record.patternProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

/** `body.name`-style field paths, so a client can tell which input was wrong. */
export function describeValidation(part: string | undefined, errors: ErrorObject[]): FieldError[] {
  return errors.map((error) => {
    const path = error.instancePath
      .split('/')
      .filter(Boolean)
      .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
      // A property named "" still needs a visible name in the path.
      .map((segment) => (segment === '' ? '""' : segment));
    const params = error.params as Record<string, unknown>;
    const name = (value: unknown) => (String(value) === '' ? '""' : String(value));
    if (error.keyword === 'required') path.push(name(params.missingProperty));
    if (error.keyword === 'additionalProperties') path.push(name(params.additionalProperty));
    const field = [FIELD_PART[part ?? ''] ?? part ?? 'request', ...path].join('.');
    return { field, message: inWords(error) };
  });
}

const TYPES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  null: 'null',
};

/** What is wrong with a value, as a person reads it (ajv's own words are for programmers). */
export function inWords(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  const count = (n: unknown, one: string, many: string) => `${n} ${Number(n) === 1 ? one : many}`;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known field';
    case 'minLength':
      return Number(p.limit) === 1 ? 'must not be empty' : `must be at least ${count(p.limit, 'character', 'characters')}`;
    case 'maxLength':
      return `must be at most ${count(p.limit, 'character', 'characters')}`;
    case 'minItems':
      return `must have at least ${count(p.limit, 'item', 'items')}`;
    case 'maxItems':
      return `must have at most ${count(p.limit, 'item', 'items')}`;
    case 'uniqueItems':
      return 'must not repeat a value';
    case 'minimum':
      return `must be at least ${p.limit}`;
    case 'maximum':
      return `must be at most ${p.limit}`;
    case 'exclusiveMinimum':
      return `must be more than ${p.limit}`;
    case 'exclusiveMaximum':
      return `must be less than ${p.limit}`;
    case 'enum':
      return `must be one of: ${(p.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'type':
      return `must be ${String(p.type)
        .split(',')
        .map((type) => TYPES[type] ?? type)
        .join(' or ')}`;
    case 'pattern':
      return 'is not in the expected form';
    case 'format':
      return p.format === 'date-time'
        ? 'must be a date and time with its offset (RFC 3339, e.g. 2030-05-01T09:00:00Z)'
        : `must be a valid ${String(p.format)}`;
    default:
      return error.message ?? error.keyword;
  }
}
