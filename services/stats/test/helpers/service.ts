import { createTestDatabase, type TestDatabase, testTokens } from '@flotilla/kit/testing';
import { buildApp } from '../../src/app.js';
import { loadStatsConfig } from '../../src/config.js';
import { readNbaJson } from './sharedData.js';

/** A stats app on a fresh test database, with tokens signed by a key the app trusts. */
export async function startStats(kind: 'pglite' | 'postgresql', env: Record<string, string> = {}) {
  const database: TestDatabase = await createTestDatabase(kind);
  const tokens = await testTokens();
  const config = loadStatsConfig({
    LOG_LEVEL: 'silent',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    // Nothing in these tests may reach the real site by accident.
    NBA_API_URL: 'http://127.0.0.1:9',
    NBA_RETRIES: '0',
    NBA_PAUSE_MS: '0',
    ...env,
  });
  const app = await buildApp(config, { accessKeys: tokens.keys });
  const operator = await tokens.bearer(['operator']);
  const viewer = await tokens.bearer(['viewer']);
  return {
    app,
    operator,
    viewer,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

export const REGULAR_2018 = 'leaguedashplayerstats_2018-19_regular_per36.resultsets.json';
export const PLAYOFFS_2018 = 'leaguedashplayerstats_2018-19_playoffs_per36.resultsets.json';

export function nbaBody(name: string): Record<string, unknown> {
  return readNbaJson(name) as Record<string, unknown>;
}

/** Server-sent events of a finished stream, in order. */
export function parseEvents(payload: string): { event: string; data: Record<string, unknown> }[] {
  return payload
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
      const data = JSON.parse(lines.find((l) => l.startsWith('data: '))?.slice(6) ?? '{}');
      return { event, data };
    });
}

/** A search space small enough for tests (the full default takes seconds). */
export const SMALL_SEARCH = {
  kmeans: { k: [3, 4], nInit: 2 },
  agglomerative: { k: [3], linkage: ['ward', 'average'] },
  dbscan: { minSamples: [8], epsQuantiles: [0.9] },
  gaussianMixture: { k: [3], covariance: ['diag'], nInit: 1 },
};
