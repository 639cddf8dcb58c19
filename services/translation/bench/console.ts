/**
 * SQL console sandbox figures on embedded PGlite: for each query that used to take the service
 * down, the answer, its time, the process's resident memory before, at its peak and after, the
 * longest event-loop delay, and the slowest of the GET /translations sent every 20 ms meanwhile.
 * The service runs in this process (in-memory PGlite, 200 stored translations).
 *
 *   node --import tsx services/translation/bench/console.ts
 *
 * Prints a Markdown table. Figures, not assertions: a busy machine shows in every column, so the
 * last rows repeat the GETs with no console query at all as the baseline.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { testTokens } from '@flotilla/kit/testing';
import { buildApp } from '../src/app.js';
import { loadTranslationConfig } from '../src/config.js';
import type { TranslationEngine } from '../src/engines/types.js';

const QUERIES: Array<[string, string | undefined]> = [
  ['first query (sandbox start)', 'select count(*) from translations'],
  ['warm query', 'select count(*) from translations'],
  ['recursive CTE', 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT count(*) FROM r'],
  ['count distinct 10M', 'select count(distinct md5(g::text)) from generate_series(1,(select 10000000)) g'],
  ['string_agg 400 MB', "select length(string_agg(repeat('x', 1000), ',')) from generate_series(1, 400000) g"],
  ['pure CPU', 'select count(*) from (select generate_series(1, 100000000000)) s'],
  ['300 MB value', "select repeat('x', 300000000)"],
  ['after the attacks', 'select count(*) from translations'],
  ['baseline: no console query', undefined],
];

const echo: TranslationEngine = {
  name: 'dictionary',
  kind: 'fallback',
  status: () => ({ ready: true, reason: 'echo' }),
  translateBatch: async (sentences) => sentences,
  close: async () => {},
};
const { keys, sign } = await testTokens();
const admin = { authorization: `Bearer ${await sign(9, 'root', ['admin'])}` };
const viewer = { authorization: `Bearer ${await sign(1, 'alice', ['viewer'])}` };
const app = await buildApp(loadTranslationConfig({ LOG_LEVEL: 'silent' }), {
  accessKeys: keys,
  loadEngine: async () => echo,
});
const mb = () => Math.round(process.memoryUsage.rss() / 2 ** 20);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
for (let i = 0; i < 200; i++) {
  await app.inject({
    method: 'POST',
    url: '/translate',
    headers: viewer,
    payload: { text_de: 'Der Hund schläft. '.repeat(50) },
  });
}

console.log('| query | status | reason | ms | RSS MB: before → peak → after | max event-loop delay ms | GETs, slowest ms |');
console.log('|---|---|---|---|---|---|---|');
for (const [name, query] of QUERIES) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const before = mb();
  let peak = before;
  const poll = setInterval(() => {
    peak = Math.max(peak, mb());
  }, 10);
  let done = false;
  const started = performance.now();
  const answer = query
    ? app.inject({ method: 'POST', url: '/sql', headers: admin, payload: { query } }).finally(() => {
        done = true;
      })
    : pause(2500).then(() => {
        done = true;
      });
  const latencies: number[] = [];
  while (!done) {
    const sent = performance.now();
    const list = await app.inject({ method: 'GET', url: '/translations?limit=5', headers: viewer });
    if (list.statusCode !== 200) throw new Error(`GET /translations answered ${list.statusCode}`);
    latencies.push(performance.now() - sent);
    await pause(20);
  }
  const result = await answer;
  const ms = Math.round(performance.now() - started);
  clearInterval(poll);
  delay.disable();
  await pause(300);
  const [status, reason] = result ? [result.statusCode, String(result.json().reason ?? '')] : ['', ''];
  console.log(
    `| ${name} | ${status} | ${reason} | ${ms} | ${before} → ${peak} → ${mb()} | ${Math.round(delay.max / 1e6)} | ${latencies.length}, ${Math.round(Math.max(0, ...latencies))} |`,
  );
}
await app.close();
