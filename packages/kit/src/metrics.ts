import { lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** A registry per service instance, so several apps in one test process do not collide. */
export function createMetrics(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // Node's process metrics, event-loop lag (nodejs_eventloop_lag_*) among them: saturation.
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Counts requests and times them by method, route pattern and status. */
export function instrumentRequests(app: FastifyInstance, registry: Registry): void {
  const labelNames = ['method', 'route', 'status_code'] as const;
  const total = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests served',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL, keeps label cardinality bounded.
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    };
    total.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
}

/** What a connection pool reports, read at scrape time (pg.Pool's counters). */
export interface PoolState {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  max: number;
}

/**
 * The database pool's saturation: how long each checkout waited for a connection (a histogram),
 * and at scrape time the connections open, idle and the checkouts queued for one. All open, none
 * idle and some waiting is an exhausted pool (deploy/prometheus/alerts.yml).
 */
export function instrumentPool(registry: Registry, state: () => PoolState): (seconds: number) => void {
  const wait = new Histogram({
    name: 'db_pool_wait_seconds',
    help: 'Time a database checkout waited for a pooled connection',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const gauge = (name: string, help: string, read: (s: PoolState) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(state()));
      },
    });
  gauge('db_pool_connections', 'Database connections open in the pool', (s) => s.totalCount);
  gauge('db_pool_idle_connections', 'Open database connections not checked out', (s) => s.idleCount);
  gauge('db_pool_waiting_requests', 'Checkouts waiting for a database connection', (s) => s.waitingCount);
  gauge('db_pool_max_connections', 'The pool size limit', (s) => s.max);
  return (seconds) => wait.observe(seconds);
}

// ------------------------------------------------------------------------------------------------
// Where /metrics is answered

export type MetricsListen = { port: number; host: string } | { path: string };

interface Exposure {
  registry: Registry;
  /** Once a metrics listener serves them, the service's own listener no longer does. */
  separate: boolean;
}
const exposures = new WeakMap<object, Exposure>();

/** Called by createService: the app's registry, answered on the app itself until moved. */
export function exposeMetrics(app: object, registry: Registry): Exposure {
  const exposure = { registry, separate: false };
  exposures.set(app, exposure);
  return exposure;
}

/** METRICS_SOCKET_PATH, or METRICS_PORT on METRICS_HOST (default HOST); undefined when neither. */
export function metricsListenOn(config: {
  HOST: string;
  METRICS_PORT?: number | undefined;
  METRICS_HOST?: string | undefined;
  METRICS_SOCKET_PATH?: string | undefined;
}): MetricsListen | undefined {
  if (config.METRICS_SOCKET_PATH) return { path: config.METRICS_SOCKET_PATH };
  if (config.METRICS_PORT !== undefined) return { port: config.METRICS_PORT, host: config.METRICS_HOST ?? config.HOST };
  return undefined;
}

export interface MetricsServer {
  server: Server;
  close(): Promise<void>;
}

/**
 * Serves a service's metrics on a listener of its own (GET /metrics, nothing else), and stops
 * answering them on the service's listener: only Prometheus' network reaches this one.
 */
export async function serveMetrics(app: object, listen: MetricsListen): Promise<MetricsServer> {
  const exposure = exposures.get(app);
  if (!exposure) throw new Error('serveMetrics: not an app built by createService');
  const { registry } = exposure;
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: GET /metrics\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: Error) => {
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${error.message}\n`);
      },
    );
  });
  if ('path' in listen) {
    try {
      if (lstatSync(listen.path).isSocket()) unlinkSync(listen.path);
    } catch {
      // Absent: nothing left by a predecessor.
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if ('path' in listen) server.listen(listen.path, resolve);
    else server.listen(listen.port, listen.host, resolve);
  });
  exposure.separate = true;
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
