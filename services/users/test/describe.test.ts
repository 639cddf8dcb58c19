import type { ServiceApp } from '@flotilla/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeService } from '../src/describe.js';

type Operation = {
  summary?: string;
  description?: string;
  responses?: Record<string, unknown>;
  'x-flotilla-access'?: string;
  'x-flotilla-expose'?: string;
};

describe('describeService', () => {
  let app: ServiceApp;
  let document: { paths: Record<string, Record<string, Operation>> };

  beforeAll(async () => {
    app = await describeService();
    document = (await app.inject('/openapi.json')).json();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('builds, and every declared route has an access', () => {
    expect(app.declaredRoutes.length).toBeGreaterThanOrEqual(15);
    for (const route of app.declaredRoutes) {
      expect(['public', 'viewer', 'operator', 'admin'], `${route.methods} ${route.url}`).toContain(route.access);
    }
  });

  it("publishes note 003's routes and the key set at the root, and the API-key exchange nowhere", () => {
    const exposure = (url: string) => app.declaredRoutes.find((route) => route.url === url)?.expose;
    expect(exposure('/create_user')).toBe('root');
    expect(exposure('/get_user')).toBe('root');
    expect(exposure('/.well-known/jwks.json')).toBe('root');
    expect(exposure('/internal/api-key-token')).toBe('internal');
    expect(exposure('/users')).toBe('api');
    expect(exposure('/auth/login')).toBe('api');
    expect(Object.keys(document.paths)).not.toContain('/internal/api-key-token');
  });

  it('documents every operation with a summary, its access and a success response', () => {
    let operations = 0;
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const name = `${method.toUpperCase()} ${path}`;
        expect(operation.summary, name).toEqual(expect.any(String));
        expect(operation['x-flotilla-access'], name).toEqual(expect.any(String));
        expect(
          Object.keys(operation.responses ?? {}).some((status) => status.startsWith('2')),
          name,
        ).toBe(true);
        operations += 1;
      }
    }
    expect(operations).toBeGreaterThanOrEqual(14);
  });

  it("explains note 003's routes, and points to the full API", () => {
    for (const [path, method] of [
      ['/create_user', 'post'],
      ['/get_user', 'get'],
    ] as const) {
      const operation = document.paths[path]?.[method];
      expect(operation?.summary).toContain('Note 003');
      expect(operation?.description).toContain('/api/users');
    }
  });
});
