import { Ajv, type ErrorObject, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const common: Options = { useDefaults: true, removeAdditional: true, allErrors: true, strict: false };

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

export interface FieldError {
  field: string;
  message: string;
}

/** `body.name`-style field paths, so a client can tell which input was wrong. */
export function describeValidation(part: string | undefined, errors: ErrorObject[]): FieldError[] {
  return errors.map((error) => {
    const path = error.instancePath
      .split('/')
      .filter(Boolean)
      .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'required') path.push(String(params.missingProperty));
    if (error.keyword === 'additionalProperties') path.push(String(params.additionalProperty));
    const field = [part ?? 'request', ...path].join('.');
    return { field, message: error.message ?? error.keyword };
  });
}
