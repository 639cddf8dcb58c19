import { request } from 'undici';

/**
 * A small client for MLflow's tracking REST API (2.0), enough to log one finished run:
 * experiments/get-by-name (+ create), runs/create, runs/log-batch, artifact upload through the
 * server's artifact proxy, runs/update. Batches respect the documented LogBatch limits.
 */

// https://mlflow.org/docs/latest/rest-api.html#log-batch — "No more than 1000 metrics, params, and
// tags in total; up to 1000 metrics; up to 100 params; up to 100 tags" per request.
export const LOG_BATCH_LIMITS = { total: 1000, metrics: 1000, params: 100, tags: 100 } as const;
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 8000;
export const MAX_KEY_LENGTH = 250;

export interface MlflowRunLog {
  experimentName: string;
  runName: string;
  startTime: Date;
  endTime: Date;
  params: Record<string, string>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  artifacts: { path: string; content: string; contentType: string }[];
}

export class MlflowError extends Error {
  constructor(
    message: string,
    /** The server could not be reached at all (vs. answered with an error). */
    readonly unreachable: boolean,
  ) {
    super(message);
    this.name = 'MlflowError';
  }
}

export interface MlflowClient {
  /** Logs one run; resolves with MLflow's run id and what could not be logged (warnings). */
  logRun(run: MlflowRunLog): Promise<{ runId: string; warnings: string[] }>;
}

interface KeyValue {
  key: string;
  value: string;
}
interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/** Splits entities into log-batch requests within every per-request limit. */
export function logBatches(
  metrics: Metric[],
  params: KeyValue[],
  tags: KeyValue[],
): { metrics: Metric[]; params: KeyValue[]; tags: KeyValue[] }[] {
  const batches: { metrics: Metric[]; params: KeyValue[]; tags: KeyValue[] }[] = [];
  const queue = { metrics: [...metrics], params: [...params], tags: [...tags] };
  while (queue.metrics.length + queue.params.length + queue.tags.length > 0) {
    let room: number = LOG_BATCH_LIMITS.total;
    const take = <T>(items: T[], limit: number): T[] => {
      const taken = items.splice(0, Math.min(limit, room));
      room -= taken.length;
      return taken;
    };
    batches.push({
      params: take(queue.params, LOG_BATCH_LIMITS.params),
      tags: take(queue.tags, LOG_BATCH_LIMITS.tags),
      metrics: take(queue.metrics, LOG_BATCH_LIMITS.metrics),
    });
  }
  return batches;
}

/** `mlflow-artifacts:/1/abc/artifacts` (or with an authority) → `1/abc/artifacts`; other schemes → null. */
export function proxiedArtifactPath(artifactUri: string): string | null {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(artifactUri);
  return match ? (match[1] ?? '').replace(/\/+$/, '') : null;
}

export function createMlflowClient(options: { trackingUri: string; timeoutMs: number }): MlflowClient {
  const base = options.trackingUri.replace(/\/+$/, '');
  const experimentIds = new Map<string, string>();

  async function call<T>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; json: T }> {
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(`${base}${path}`, {
        method,
        headers: { 'content-type': contentType, accept: 'application/json' },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      const reason =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${options.timeoutMs} ms`
          : (code ?? (error as Error).message);
      throw new MlflowError(`MLflow at ${base} unreachable (${reason})`, true);
    }
    const text = await response.body.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = { message: text.slice(0, 200) };
    }
    return { status: response.statusCode, json: json as T };
  }

  const failed = (what: string, status: number, json: unknown) => {
    const { error_code: code, message } = (json ?? {}) as { error_code?: string; message?: string };
    return new MlflowError(
      `MLflow ${what} answered ${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`,
      false,
    );
  };

  async function experimentId(name: string): Promise<string> {
    const cached = experimentIds.get(name);
    if (cached) return cached;
    const found = await call<{ experiment?: { experiment_id?: string } }>(
      'GET',
      `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
    );
    let id = found.status === 200 ? found.json.experiment?.experiment_id : undefined;
    if (!id) {
      if (found.status !== 404) throw failed('experiments/get-by-name', found.status, found.json);
      const created = await call<{ experiment_id?: string; error_code?: string }>(
        'POST',
        '/api/2.0/mlflow/experiments/create',
        { name },
      );
      if (created.status === 200 && created.json.experiment_id) id = created.json.experiment_id;
      else if (created.json.error_code === 'RESOURCE_ALREADY_EXISTS')
        return experimentId(name); // lost a race
      else throw failed('experiments/create', created.status, created.json);
    }
    experimentIds.set(name, id);
    return id;
  }

  return {
    async logRun(run) {
      const warnings: string[] = [];
      const clip = (kind: string, key: string, value: string, limit: number) => {
        if (value.length <= limit) return value;
        warnings.push(`${kind} ${key} truncated to ${limit} characters for MLflow`);
        return value.slice(0, limit);
      };
      const keyOk = (key: string) => {
        if (key.length <= MAX_KEY_LENGTH) return true;
        warnings.push(
          `key ${key.slice(0, 40)}… longer than ${MAX_KEY_LENGTH} characters not logged to MLflow`,
        );
        return false;
      };
      const experiment = await experimentId(run.experimentName);
      const created = await call<{ run?: { info?: { run_id?: string; artifact_uri?: string } } }>(
        'POST',
        '/api/2.0/mlflow/runs/create',
        { experiment_id: experiment, run_name: run.runName, start_time: run.startTime.getTime(), tags: [] },
      );
      const info = created.json.run?.info;
      if (created.status !== 200 || !info?.run_id) throw failed('runs/create', created.status, created.json);
      const runId = info.run_id;

      const timestamp = run.endTime.getTime();
      const metrics = Object.entries(run.metrics)
        .filter(([key, value]) => Number.isFinite(value) && keyOk(key))
        .map(([key, value]) => ({ key, value, timestamp, step: 0 }));
      const params = Object.entries(run.params)
        .filter(([key]) => keyOk(key))
        .map(([key, value]) => ({ key, value: clip('param', key, value, MAX_PARAM_VALUE_LENGTH) }));
      const tags = Object.entries(run.tags)
        .filter(([key]) => keyOk(key))
        .map(([key, value]) => ({ key, value: clip('tag', key, value, MAX_TAG_VALUE_LENGTH) }));
      for (const batch of logBatches(metrics, params, tags)) {
        const logged = await call('POST', '/api/2.0/mlflow/runs/log-batch', { run_id: runId, ...batch });
        if (logged.status !== 200) throw failed('runs/log-batch', logged.status, logged.json);
      }

      const artifactRoot = info.artifact_uri ? proxiedArtifactPath(info.artifact_uri) : null;
      if (artifactRoot === null) {
        if (run.artifacts.length > 0) {
          warnings.push(
            `artifacts not uploaded: the server does not proxy artifacts (artifact_uri ${info.artifact_uri ?? 'missing'})`,
          );
        }
      } else {
        for (const artifact of run.artifacts) {
          const path = [artifactRoot, artifact.path].filter(Boolean).map(encodePath).join('/');
          const put = await call(
            'PUT',
            `/api/2.0/mlflow-artifacts/artifacts/${path}`,
            artifact.content,
            artifact.contentType,
          );
          if (put.status !== 200) warnings.push(`artifact ${artifact.path} not uploaded: HTTP ${put.status}`);
        }
      }

      const updated = await call('POST', '/api/2.0/mlflow/runs/update', {
        run_id: runId,
        status: 'FINISHED',
        end_time: timestamp,
      });
      if (updated.status !== 200) throw failed('runs/update', updated.status, updated.json);
      return { runId, warnings };
    },
  };
}

const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');
