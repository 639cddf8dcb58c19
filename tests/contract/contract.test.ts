import { beforeAll, describe, expect, it } from 'vitest';
import type { OpenApiDocument, ServiceContract } from '../../services/gateway/src/contract/merge.js';
import { contractFiles, describeServices, staleFiles } from '../../scripts/contract.js';

let services: ServiceContract[];
let files: Record<string, string>;
let document: OpenApiDocument;

beforeAll(async () => {
  services = await describeServices();
  files = await contractFiles(services);
  document = JSON.parse(files['services/gateway/src/generated/openapi.json'] ?? '{}') as OpenApiDocument;
}, 120_000);

type Operation = {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  security?: unknown[];
  'x-flotilla-access'?: string;
  requestBody?: unknown;
};

function operations(): Array<[string, string, Operation]> {
  return Object.entries(document.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => [path, method, operation as Operation] as [string, string, Operation]),
  );
}

describe('the contract generated from the services’ declarations', () => {
  it('is what is committed: gateway routes, merged OpenAPI, web client types, nginx root routes', async () => {
    expect(await staleFiles(files), 'run `npm run contract`').toEqual([]);
  });

  it('declares a response schema for every operation that answers with a body', () => {
    const missing = operations()
      .filter(([, , operation]) => {
        const success = Object.entries(operation.responses ?? {}).filter(([status]) => /^2/.test(status));
        return !success.some(([status, response]) => status === '204' || Object.values(response.content ?? {}).some((c) => c.schema));
      })
      .map(([path, method]) => `${method.toUpperCase()} ${path}`);
    expect(missing).toEqual([]);
  });

  it('documents who may call each operation, and the problems every operation can answer', () => {
    for (const [path, method, operation] of operations()) {
      const name = `${method.toUpperCase()} ${path}`;
      const access = operation['x-flotilla-access'];
      expect(['public', 'viewer', 'operator', 'admin'], name).toContain(access);
      const statuses = Object.keys(operation.responses ?? {});
      expect(statuses, name).toEqual(expect.arrayContaining(['400', '429', '503']));
      if (access !== 'public') expect(statuses, name).toEqual(expect.arrayContaining(['401', '403']));
    }
    expect(Object.keys((document.components as { securitySchemes: object }).securitySchemes).sort()).toEqual(['apiKey', 'bearer']);
  });

  it('publishes every declared route once, and nothing internal', () => {
    const routes = JSON.parse(files['services/gateway/src/generated/routes.json'] ?? '[]') as Array<{ url: string; methods: string[] }>;
    const keys = routes.flatMap((route) => route.methods.map((method) => `${method} ${route.url}`));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.some((key) => key.includes('/internal/'))).toBe(false);
    // Design note 003's routes stay at the root.
    expect(keys).toEqual(expect.arrayContaining(['POST /create_user', 'GET /get_user', 'GET /.well-known/jwks.json']));
  });
});
