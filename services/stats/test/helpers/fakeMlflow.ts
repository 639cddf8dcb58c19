import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback MLflow tracking server that checks each request against MLflow's documented REST
 * contract (https://mlflow.org/docs/latest/rest-api.html) and answers like MLflow does. No real
 * MLflow server can be installed here; `violations` lists every request that broke the contract.
 */
export interface FakeMlflow {
  url: string;
  violations: string[];
  experiments: Map<string, string>;
  runs: Map<
    string,
    {
      experimentId: string;
      name: string;
      status: string;
      params: Map<string, string>;
      metrics: { key: string; value: number }[];
      tags: Map<string, string>;
      artifacts: Map<string, string>;
    }
  >;
  batches: { metrics: number; params: number; tags: number }[];
  close(): Promise<void>;
}

const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);

export async function startFakeMlflow(options: { proxyArtifacts?: boolean } = {}): Promise<FakeMlflow> {
  const proxy = options.proxyArtifacts ?? true;
  const violations: string[] = [];
  const experiments = new Map<string, string>();
  const runs: FakeMlflow['runs'] = new Map();
  const batches: FakeMlflow['batches'] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://mlflow.test');
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      const invalid = (message: string) => {
        violations.push(`${req.method} ${url.pathname}: ${message}`);
        answer(400, { error_code: 'INVALID_PARAMETER_VALUE', message });
      };
      let body: Record<string, unknown> = {};
      if (req.method === 'POST') {
        if (!String(req.headers['content-type']).startsWith('application/json'))
          return invalid('content-type must be JSON');
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          return invalid('body is not JSON');
        }
      }
      const route = `${req.method} ${url.pathname}`;
      if (route === 'GET /api/2.0/mlflow/experiments/get-by-name') {
        const name = url.searchParams.get('experiment_name');
        if (!name) return invalid('experiment_name is required');
        const id = experiments.get(name);
        if (!id)
          return answer(404, {
            error_code: 'RESOURCE_DOES_NOT_EXIST',
            message: `Could not find experiment with name '${name}'`,
          });
        return answer(200, { experiment: { experiment_id: id, name, lifecycle_stage: 'active' } });
      }
      if (route === 'POST /api/2.0/mlflow/experiments/create') {
        if (typeof body.name !== 'string' || !body.name) return invalid('name must be a non-empty string');
        if (experiments.has(body.name))
          return answer(400, { error_code: 'RESOURCE_ALREADY_EXISTS', message: 'exists' });
        const id = String(experiments.size + 1);
        experiments.set(body.name, id);
        return answer(200, { experiment_id: id });
      }
      if (route === 'POST /api/2.0/mlflow/runs/create') {
        if (typeof body.experiment_id !== 'string') return invalid('experiment_id must be a string');
        if (![...experiments.values()].includes(body.experiment_id))
          return answer(404, { error_code: 'RESOURCE_DOES_NOT_EXIST' });
        if (body.start_time !== undefined && !isInt(body.start_time))
          return invalid('start_time must be int64 milliseconds');
        if (body.tags !== undefined && !Array.isArray(body.tags)) return invalid('tags must be an array');
        const runId = randomUUID().replaceAll('-', '');
        runs.set(runId, {
          experimentId: body.experiment_id,
          name: String(body.run_name ?? ''),
          status: 'RUNNING',
          params: new Map(),
          metrics: [],
          tags: new Map(),
          artifacts: new Map(),
        });
        const artifactUri = proxy
          ? `mlflow-artifacts:/${body.experiment_id}/${runId}/artifacts`
          : `/var/mlruns/${body.experiment_id}/${runId}/artifacts`;
        return answer(200, {
          run: {
            info: {
              run_id: runId,
              run_uuid: runId,
              experiment_id: body.experiment_id,
              status: 'RUNNING',
              artifact_uri: artifactUri,
            },
            data: {},
          },
        });
      }
      if (route === 'POST /api/2.0/mlflow/runs/log-batch') {
        const run = runs.get(String(body.run_id));
        if (!run) return answer(404, { error_code: 'RESOURCE_DOES_NOT_EXIST' });
        const metrics = (body.metrics ?? []) as {
          key: unknown;
          value: unknown;
          timestamp: unknown;
          step: unknown;
        }[];
        const params = (body.params ?? []) as { key: unknown; value: unknown }[];
        const tags = (body.tags ?? []) as { key: unknown; value: unknown }[];
        if (raw.length > 1024 * 1024) return invalid('request larger than 1 MB');
        if (metrics.length > 1000)
          return invalid(
            `A batch logging request can contain at most 1000 metrics. Got ${metrics.length} metrics.`,
          );
        if (params.length > 100)
          return invalid(
            `A batch logging request can contain at most 100 params. Got ${params.length} params.`,
          );
        if (tags.length > 100)
          return invalid(`A batch logging request can contain at most 100 tags. Got ${tags.length} tags.`);
        if (metrics.length + params.length + tags.length > 1000)
          return invalid('at most 1000 metrics, params and tags in total');
        for (const m of metrics) {
          if (typeof m.key !== 'string' || typeof m.value !== 'number' || !isInt(m.timestamp))
            return invalid(`bad metric ${JSON.stringify(m)}`);
          if (m.step !== undefined && !isInt(m.step)) return invalid('step must be an integer');
        }
        for (const p of params) {
          if (typeof p.key !== 'string' || typeof p.value !== 'string')
            return invalid(`bad param ${JSON.stringify(p)}`);
          if (p.key.length > 250) return invalid('param key longer than 250');
          if (p.value.length > 6000) return invalid(`param value of ${p.key} longer than 6000`);
          const before = run.params.get(p.key);
          if (before !== undefined && before !== p.value) return invalid(`param ${p.key} changed`);
        }
        for (const t of tags) {
          if (typeof t.key !== 'string' || typeof t.value !== 'string')
            return invalid(`bad tag ${JSON.stringify(t)}`);
          if (t.value.length > 8000) return invalid('tag value longer than 8000');
        }
        for (const p of params) run.params.set(p.key as string, p.value as string);
        for (const t of tags) run.tags.set(t.key as string, t.value as string);
        for (const m of metrics) run.metrics.push({ key: m.key as string, value: m.value as number });
        batches.push({ metrics: metrics.length, params: params.length, tags: tags.length });
        return answer(200, {});
      }
      if (route === 'POST /api/2.0/mlflow/runs/update') {
        const run = runs.get(String(body.run_id));
        if (!run) return answer(404, { error_code: 'RESOURCE_DOES_NOT_EXIST' });
        if (!['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'].includes(String(body.status)))
          return invalid('bad status');
        if (body.end_time !== undefined && !isInt(body.end_time))
          return invalid('end_time must be int64 milliseconds');
        run.status = String(body.status);
        return answer(200, { run_info: { run_id: body.run_id, status: run.status } });
      }
      const artifact = /^\/api\/2\.0\/mlflow-artifacts\/artifacts\/([^/]+)\/([^/]+)\/artifacts\/(.+)$/.exec(
        url.pathname,
      );
      if (req.method === 'PUT' && artifact) {
        if (!proxy) return answer(404, { error_code: 'ENDPOINT_NOT_FOUND' });
        const run = runs.get(decodeURIComponent(artifact[2] as string));
        if (!run) return invalid('artifact path names no run');
        run.artifacts.set(decodeURIComponent(artifact[3] as string), raw.toString('utf8'));
        return answer(200, {});
      }
      violations.push(`unknown endpoint ${route}`);
      return answer(404, { error_code: 'ENDPOINT_NOT_FOUND', message: route });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    violations,
    experiments,
    runs,
    batches,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type { Server };
