// Tracing first, when OTEL_EXPORTER_OTLP_ENDPOINT asks for it (otherwise nothing is loaded): what
// it instruments (http, undici, pg, pino, Fastify) must load after it, hence the dynamic imports.
import { startTracing } from '@flotilla/kit/tracing';

await startTracing('fleet');
const { listenOn, metricsListenOn, runService } = await import('@flotilla/kit');
const { buildApp } = await import('./app.js');
const { loadFleetConfig } = await import('./config.js');

await runService(async () => {
  const config = loadFleetConfig();
  return { app: await buildApp(config), listen: listenOn(config), metrics: metricsListenOn(config) };
});
