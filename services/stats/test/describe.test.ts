import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeService } from '../src/describe.js';
import { TrainingJobs } from '../src/training/jobs.js';

type Operation = {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  'x-flotilla-access'?: string;
};

describe('describeService', () => {
  let app: Awaited<ReturnType<typeof describeService>>;
  const runner = vi.spyOn(TrainingJobs.prototype, 'start');
  beforeAll(async () => {
    app = await describeService();
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    runner.mockRestore();
  });

  it('builds, and every route declares its access', () => {
    expect(app.declaredRoutes.length).toBeGreaterThan(0);
    for (const route of app.declaredRoutes) {
      expect(['public', 'viewer', 'operator', 'admin'], `${route.methods} ${route.url}`).toContain(route.access);
    }
    const stats = app.declaredRoutes.filter((route) => route.url.startsWith('/stats/'));
    expect(new Set(stats.map((route) => route.url)).size).toBe(11);
    expect(stats.every((route) => route.expose === 'api')).toBe(true);
  });

  it('documents a success response with a schema for each of the 13 operations', () => {
    const document = app.swagger() as { paths: Record<string, Record<string, Operation>> };
    const operations = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/stats/'))
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));
    expect(operations).toHaveLength(13);
    for (const { path, method, operation } of operations) {
      const success = Object.entries(operation.responses ?? {}).filter(([status]) => status.startsWith('2'));
      expect(success, `${method} ${path}`).toHaveLength(1);
      const [, response] = success[0] as [string, { content?: Record<string, { schema?: unknown }> }];
      expect(Object.values(response.content ?? {})[0]?.schema, `${method} ${path}`).toBeDefined();
      expect(operation['x-flotilla-access'], `${method} ${path}`).toMatch(/^(viewer|operator)$/);
    }
  });

  it('starts no job runner and no sweep', () => {
    expect(runner).not.toHaveBeenCalled();
  });
});
