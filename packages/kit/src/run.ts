import { lstatSync, unlinkSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { ConfigError } from './config.js';
import { type MetricsListen, type MetricsServer, serveMetrics } from './metrics.js';
import { shutdownTracing } from './tracing.js';

export type Listen = { port: number; host: string } | { path: string };

/** HOST:PORT, or SOCKET_PATH when set. */
export function listenOn(config: { PORT: number; HOST: string; SOCKET_PATH?: string | undefined }): Listen {
  return config.SOCKET_PATH ? { path: config.SOCKET_PATH } : { port: config.PORT, host: config.HOST };
}

/** A socket file left by a killed predecessor would make listen fail with EADDRINUSE. */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // Absent: nothing to remove.
  }
}

const DRAIN_TIMEOUT_MS = 15_000;

interface Built {
  app: FastifyInstance;
  listen: Listen;
  /** Where /metrics is served instead of on `listen` (metricsListenOn); undefined: on `listen`. */
  metrics?: MetricsListen | undefined;
}

/**
 * Starts a built service and owns the process: serves its metrics on their own listener when
 * given one (before the service's listener opens, so that one never answers them), reports the
 * bound port to a parent launcher (IPC), and on SIGTERM/SIGINT stops accepting, drains in-flight
 * requests, closes the database, flushes the spans not yet exported and exits. A configuration
 * error exits with a one-line message instead of a stack trace.
 */
export async function runService(build: () => Promise<Built>): Promise<void> {
  let built: Built;
  try {
    built = await build();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    process.stderr.write(`startup failed: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  }
  const { app, listen } = built;
  let metricsServer: MetricsServer | undefined;
  if (built.metrics) {
    metricsServer = await serveMetrics(app, built.metrics);
    app.log.info({ metrics: 'path' in built.metrics ? built.metrics.path : metricsServer.server.address() }, 'metrics listener open');
  }
  if ('path' in listen) {
    removeStaleSocket(listen.path);
    await app.listen(listen);
    process.send?.({ type: 'listening', socket: listen.path });
  } else {
    await app.listen(listen);
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : listen.port;
    process.send?.({ type: 'listening', port });
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: draining requests');
    setTimeout(() => {
      app.log.error('drain timed out; exiting');
      process.exit(1);
    }, DRAIN_TIMEOUT_MS).unref();
    try {
      await app.close();
      await metricsServer?.close();
      await shutdownTracing();
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
