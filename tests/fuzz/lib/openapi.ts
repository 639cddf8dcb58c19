import type { JsonSchema } from './schema.js';

/** One operation of the merged OpenAPI document, as the fuzzer needs it. */
export interface Operation {
  /** `METHOD /path/{template}` */
  key: string;
  method: string;
  path: string;
  /** The owning service: the operation's first tag (the gateway tags each service's operations). */
  service: string;
  summary: string;
  parameters: Parameter[];
  body?: { required: boolean; contentType: string; schema: JsonSchema };
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: JsonSchema;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

interface OpenApiDocument {
  paths?: Record<string, Record<string, unknown>>;
}

interface RawOperation {
  tags?: string[];
  summary?: string;
  parameters?: RawParameter[];
  requestBody?: { $ref?: string; required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
}

interface RawParameter {
  $ref?: string;
  name: string;
  in: Parameter['in'];
  required?: boolean;
  schema?: JsonSchema;
}

/** Every operation of the document: path-level parameters merged, `$ref`ed parameters resolved. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  const resolve = <T>(value: T & { $ref?: string }): T => {
    let current: unknown = value;
    for (let hops = 0; hops < 16 && typeof (current as { $ref?: string }).$ref === 'string'; hops += 1) {
      const ref = (current as { $ref: string }).$ref;
      current = ref
        .slice(2)
        .split('/')
        .reduce<unknown>((node, part) => (node as Record<string, unknown>)?.[part], document);
      if (current === undefined) throw new Error(`unresolved $ref ${ref}`);
    }
    return current as T;
  };
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const shared = ((item.parameters ?? []) as RawParameter[]).map(resolve);
    for (const method of METHODS) {
      const raw = item[method] as RawOperation | undefined;
      if (!raw) continue;
      const own = (raw.parameters ?? []).map(resolve);
      const byKey = new Map<string, RawParameter>();
      for (const parameter of [...shared, ...own]) byKey.set(`${parameter.in}:${parameter.name}`, parameter);
      const parameters = [...byKey.values()].map((parameter) => ({
        name: parameter.name,
        in: parameter.in,
        required: parameter.in === 'path' || parameter.required === true,
        schema: parameter.schema ?? {},
      }));
      const requestBody = raw.requestBody ? resolve(raw.requestBody) : undefined;
      const [contentType, media] = Object.entries(requestBody?.content ?? {})[0] ?? [];
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        service: raw.tags?.[0] ?? 'untagged',
        summary: raw.summary ?? '',
        parameters,
        ...(contentType
          ? { body: { required: requestBody?.required === true, contentType, schema: media?.schema ?? {} } }
          : {}),
      });
    }
  }
  return operations;
}
