import { ROLES } from '@flotilla/kit';
import { describe, expect, it } from 'vitest';
import { describeService } from '../src/describe.js';

describe('describeService', () => {
  it('builds the app with no engine, and every declared route has an access', async () => {
    const app = await describeService();
    try {
      const routes = app.declaredRoutes.filter((route) => route.expose !== 'internal');
      expect(routes.length).toBeGreaterThan(0);
      for (const route of app.declaredRoutes) {
        expect(['public', ...ROLES], `${route.methods.join(',')} ${route.url}`).toContain(route.access);
      }
      const declared = Object.fromEntries(
        routes.flatMap((route) => route.methods.filter((m) => m !== 'HEAD').map((m) => [`${m} ${route.url}`, route.access])),
      );
      expect(declared).toEqual({
        'GET /translate/engine': 'public',
        'POST /translate': 'viewer',
        'POST /translate/stream': 'viewer',
        'GET /translations': 'viewer',
        'GET /translations/:id': 'viewer',
        'DELETE /translations/:id': 'viewer',
        'POST /sql': 'admin',
        'GET /sql/schema': 'admin',
      });
      expect(routes.every((route) => route.expose === 'api')).toBe(true);
      // Nothing was loaded: the engine stands in, saying so.
      const engine = await app.inject({ method: 'GET', url: '/translate/engine' });
      expect(engine.json()).toMatchObject({ name: 'unavailable', ready: false });
      const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
      expect(Object.keys(document.paths)).toContain('/translations/{id}');
    } finally {
      await app.close();
    }
  });
});
