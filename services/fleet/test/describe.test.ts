import { ACCESS_KEY, type ServiceApp } from '@flotilla/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeService } from '../src/describe.js';
import { PLURALS } from '../src/resource-types.js';

interface Operation {
  parameters?: Array<{ name: string; in: string; schema: { enum?: string[] } }>;
  responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }>;
  [key: string]: unknown;
}

// What `npm run contract` reads: the declarations and the OpenAPI document.
describe('fleet as the contract generator sees it', () => {
  let app: ServiceApp;
  let paths: Record<string, Record<string, Operation>>;
  beforeAll(async () => {
    app = await describeService();
    await app.ready();
    paths = (app.swagger() as unknown as { paths: typeof paths }).paths;
  });
  afterAll(async () => app?.close());

  it('builds, and every declared route has an access', () => {
    expect(app.declaredRoutes.length).toBeGreaterThan(0);
    for (const route of app.declaredRoutes) {
      expect(['public', 'viewer', 'operator', 'admin'], `${route.methods} ${route.url}`).toContain(route.access);
    }
  });

  it('lists each fleet operation once, for every type, with the types as an enum', () => {
    const operations = Object.entries(paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'POST /{type}',
        'GET /{type}',
        'GET /{type}/available',
        'GET /{type}/events',
        'GET /{type}/{id}',
        'DELETE /{type}/{id}',
        'POST /{type}/{id}/allocations',
        'GET /{type}/{id}/allocations',
        'GET /{type}/{id}/allocations/{aid}',
        'DELETE /{type}/{id}/allocations/{aid}',
      ].sort(),
    );
    for (const [path, methods] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const type = operation.parameters?.find((p) => p.in === 'path' && p.name === 'type');
        expect(type?.schema.enum, `${method} ${path}`).toEqual([...PLURALS]);
        expect(operation[ACCESS_KEY]).toBe(method === 'get' ? 'viewer' : 'operator');
      }
    }
  });

  it('documents the members of its problems: the conflicts of a 409, the ids of a 404', () => {
    const members = (path: string, method: string, status: string) =>
      Object.keys(paths[path]?.[method]?.responses[status]?.content?.['application/problem+json']?.schema.properties ?? {});
    expect(members('/{type}/{id}/allocations', 'post', '409')).toEqual(
      expect.arrayContaining(['detail', 'resourceType', 'resourceId', 'requested', 'conflicts']),
    );
    expect(members('/{type}/{id}', 'delete', '409')).toEqual(
      expect.arrayContaining(['detail', 'resourceId', 'unendedCount', 'conflicts']),
    );
    expect(members('/{type}/{id}/allocations/{aid}', 'get', '404')).toEqual(
      expect.arrayContaining(['resourceType', 'resourceId', 'allocationId']),
    );
    expect(members('/{type}/{id}/allocations', 'post', '400')).toEqual(
      expect.arrayContaining(['errors', 'slotMinutes', 'covering']),
    );
    expect(members('/{type}/{id}/allocations', 'post', '422')).toEqual(
      expect.arrayContaining(['errors', 'reason', 'now', 'graceSeconds', 'idempotencyKey']),
    );
  });

  it('describes the event stream event by event', () => {
    const stream = paths['/{type}/events']?.get?.responses['200']?.content?.['text/event-stream']?.schema as {
      anyOf: Array<{ properties: { event: { enum: string[] } } }>;
    };
    expect(stream.anyOf.flatMap((event) => event.properties.event.enum)).toEqual([
      'ready',
      'allocation.created',
      'allocation.deleted',
      'resource.created',
      'resource.deleted',
    ]);
  });
});
