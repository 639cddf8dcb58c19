import type { ServiceApp } from '@flotilla/kit';
import { createTestDatabase, type TestDatabase, testTokens } from '@flotilla/kit/testing';
import { buildApp } from '../../src/app.js';
import { loadStatsConfig } from '../../src/config.js';
import { readNbaJson } from './sharedData.js';

export type Tokens = Awaited<ReturnType<typeof testTokens>>;

/** A stats app on `url` (undefined: PGlite in memory) trusting `tokens`, with callers' headers. */
export async function statsInstance(url: string | undefined, tokens: Tokens, env: Record<string, string> = {}) {
  const config = loadStatsConfig({
    LOG_LEVEL: 'silent',
    ...(url ? { DATABASE_URL: url } : {}),
    // Nothing in these tests may reach the real site by accident.
    NBA_API_URL: 'http://127.0.0.1:9',
    NBA_RETRIES: '0',
    NBA_PAUSE_MS: '0',
    ...env,
  });
  const app = await buildApp(config, { accessKeys: tokens.keys });
  return { app, operator: await tokens.bearer(['operator']), viewer: await tokens.bearer(['viewer']) };
}

/** A stats app on a fresh test database, with tokens signed by a key the app trusts. */
export async function startStats(kind: 'pglite' | 'postgresql', env: Record<string, string> = {}) {
  const database: TestDatabase = await createTestDatabase(kind);
  const instance = await statsInstance(database.url, await testTokens(), env);
  return {
    ...instance,
    async close() {
      await instance.app.close();
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
export function parseEvents(
  payload: string,
): { id: string | undefined; event: string; data: Record<string, unknown> }[] {
  return payload
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => {
      const lines = block.split('\n');
      const id = lines.find((l) => l.startsWith('id: '))?.slice(4);
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
      const data = JSON.parse(lines.find((l) => l.startsWith('data: '))?.slice(6) ?? '{}');
      return { id, event, data };
    });
}

/** A search space small enough for tests (the full default takes seconds). */
export const SMALL_SEARCH = {
  kmeans: { k: [3, 4], nInit: 2 },
  agglomerative: { k: [3], linkage: ['ward', 'average'] },
  dbscan: { minSamples: [8], epsQuantiles: [0.9] },
  gaussianMixture: { k: [3], covariance: ['diag'], nInit: 1 },
};

/** Server-sent events as they arrive, for acting in the middle of a stream. */
export async function* streamEvents(
  app: ServiceApp,
  url: string,
  headers: Record<string, string>,
): AsyncGenerator<ReturnType<typeof parseEvents>[number]> {
  const response = await app.inject({ url, headers, payloadAsStream: true });
  let buffered = '';
  for await (const chunk of response.stream()) {
    buffered += String(chunk);
    for (let end = buffered.indexOf('\n\n'); end !== -1; end = buffered.indexOf('\n\n')) {
      yield* parseEvents(buffered.slice(0, end + 2));
      buffered = buffered.slice(end + 2);
    }
  }
}
