import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMlflowClient, logBatches, proxiedArtifactPath } from '../src/training/mlflow.js';
import { type FakeMlflow, startFakeMlflow } from './helpers/fakeMlflow.js';
import {
  importRecording,
  jobEvents,
  PLAYOFFS_2018,
  REGULAR_2018,
  SMALL_SEARCH,
  type Stats,
  startStats,
} from './helpers/service.js';

let fake: FakeMlflow | undefined;
let stats: Stats | undefined;
afterEach(async () => {
  await stats?.close();
  await fake?.close();
  stats = undefined;
  fake = undefined;
});

const run = (overrides: Partial<Parameters<ReturnType<typeof createMlflowClient>['logRun']>[0]> = {}) => ({
  experimentName: 'nba',
  runName: 'kmeans-1',
  startTime: new Date(1_700_000_000_000),
  endTime: new Date(1_700_000_001_000),
  params: { clusterer: 'kmeans', k: '3' },
  metrics: { silhouette: 0.3 },
  tags: { 'flotilla.run_id': '1' },
  artifacts: [{ path: 'assignments.json', content: '[]', contentType: 'application/json' }],
  ...overrides,
});

describe('MLflow client against a contract-checking loopback server', () => {
  it('splits log-batch requests within every documented limit', () => {
    const metrics = Array.from({ length: 1500 }, (_, i) => ({
      key: `m${i}`,
      value: i,
      timestamp: 1,
      step: 0,
    }));
    const params = Array.from({ length: 250 }, (_, i) => ({ key: `p${i}`, value: 'v' }));
    const tags = Array.from({ length: 150 }, (_, i) => ({ key: `t${i}`, value: 'v' }));
    const batches = logBatches(metrics, params, tags);
    for (const b of batches) {
      expect(b.params.length).toBeLessThanOrEqual(100);
      expect(b.tags.length).toBeLessThanOrEqual(100);
      expect(b.metrics.length).toBeLessThanOrEqual(1000);
      expect(b.metrics.length + b.params.length + b.tags.length).toBeLessThanOrEqual(1000);
    }
    expect(batches.flatMap((b) => b.metrics)).toEqual(metrics);
    expect(batches.flatMap((b) => b.params)).toEqual(params);
    expect(batches.flatMap((b) => b.tags)).toEqual(tags);
    expect(proxiedArtifactPath('mlflow-artifacts:/1/abc/artifacts')).toBe('1/abc/artifacts');
    expect(proxiedArtifactPath('mlflow-artifacts://host:5000/1/abc/artifacts/')).toBe('1/abc/artifacts');
    expect(proxiedArtifactPath('s3://bucket/1/abc')).toBeNull();
  });

  it('creates the experiment once, logs a large run in batches, uploads artifacts and finishes the run', async () => {
    fake = await startFakeMlflow();
    const client = createMlflowClient({ trackingUri: fake.url, timeoutMs: 2_000 });
    const params = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`p${i}`, String(i)]));
    const metrics = Object.fromEntries(Array.from({ length: 1200 }, (_, i) => [`m${i}`, i / 7]));
    const first = await client.logRun(run({ params: { ...params, long: 'x'.repeat(7000) }, metrics }));
    const second = await client.logRun(run({ runName: 'kmeans-2' }));
    expect(fake.violations).toEqual([]);
    expect(fake.experiments.size).toBe(1);
    const logged = fake.runs.get(first.runId);
    expect(logged?.status).toBe('FINISHED');
    expect(logged?.params.size).toBe(151);
    expect(logged?.params.get('long')).toHaveLength(6000);
    expect(first.warnings).toEqual(['param long truncated to 6000 characters for MLflow']);
    expect(logged?.metrics).toHaveLength(1200);
    expect(fake.batches.length).toBeGreaterThanOrEqual(3);
    expect(logged?.artifacts.get('assignments.json')).toBe('[]');
    expect(fake.runs.get(second.runId)?.status).toBe('FINISHED');
  });

  it('warns instead of uploading when the server does not proxy artifacts', async () => {
    fake = await startFakeMlflow({ proxyArtifacts: false });
    const client = createMlflowClient({ trackingUri: fake.url, timeoutMs: 2_000 });
    const logged = await client.logRun(run());
    expect(fake.violations).toEqual([]);
    expect(logged.warnings[0]).toMatch(/artifacts not uploaded: the server does not proxy artifacts/);
  });
});

async function importSeason(s: Stats) {
  for (const name of [REGULAR_2018, PLAYOFFS_2018]) await importRecording(s, name);
}

async function trainSmall(s: Stats) {
  const accepted = await s.request('POST', '/stats/runs', {
    as: 'operator',
    body: {
      season: '2018-19',
      clusterers: ['kmeans', 'agglomerative'],
      search: SMALL_SEARCH,
      experiment: 'nba-test',
    },
  });
  expect(accepted.status).toBe(202);
  const events = await jobEvents(s, accepted.body.jobId);
  expect(events.at(-1)?.event).toBe('done');
  return (await s.request('GET', `/stats/runs?jobId=${accepted.body.jobId}`, { as: 'viewer' })).body.items as {
    id: number;
    mlflowRunId: string | null;
    warnings: string[];
    status: string;
  }[];
}

describe('training with MLFLOW_TRACKING_URI', () => {
  it('logs every finished run to MLflow', async () => {
    fake = await startFakeMlflow();
    stats = await startStats('pglite', { MLFLOW_TRACKING_URI: fake.url });
    await importSeason(stats);
    const runs = await trainSmall(stats);
    expect(runs).toHaveLength(4);
    expect(fake.violations).toEqual([]);
    for (const r of runs) {
      expect(r.warnings).toEqual([]);
      const logged = fake.runs.get(r.mlflowRunId as string);
      expect(logged?.status).toBe('FINISHED');
      expect(logged?.tags.get('flotilla.run_id')).toBe(String(r.id));
      expect(logged?.metrics.map((m) => m.key)).toContain('silhouette');
      expect(JSON.parse(logged?.artifacts.get('assignments.json') ?? '[]')).toHaveLength(365);
    }
    expect([...fake.experiments.keys()]).toEqual(['nba-test']);
  });

  it('finishes the runs with a warning when MLflow cannot be reached', async () => {
    // A port that was free a moment ago: connections are refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    stats = await startStats('pglite', {
      MLFLOW_TRACKING_URI: `http://127.0.0.1:${port}`,
      MLFLOW_TIMEOUT_MS: '500',
    });
    await importSeason(stats);
    const runs = await trainSmall(stats);
    for (const r of runs) {
      expect(r.status).toBe('finished');
      expect(r.mlflowRunId).toBeNull();
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]).toMatch(/not logged to MLflow: MLflow at .* unreachable/);
    }
    const metrics = (await stats.request('GET', '/metrics', { as: 'anonymous' })).text;
    expect(metrics).toMatch(/stats_mlflow_log_failures_total\{[^}]*\} 4/);
  });
});
