// OpenTelemetry tracing, off unless the environment asks for it. This module is what a service's
// main.ts imports first, before anything else: it imports nothing itself, so a service without
// OTEL_EXPORTER_OTLP_ENDPOINT loads no OpenTelemetry code at all and its request path is exactly
// what it is without tracing. When the endpoint is set it registers the ESM loader hook and starts
// the SDK (tracing-sdk.ts) before the service's own modules load, which is why main.ts imports
// them dynamically afterwards: the instrumentations patch http, undici, pg, pino and Fastify as
// those are loaded.

export interface Tracing {
  /** Flushes the spans still buffered and stops exporting. */
  shutdown(): Promise<void>;
}

/**
 * Whether traces are wanted: an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT, or the
 * traces-only OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and OTEL_SDK_DISABLED is not `true`.
 */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

let started: Tracing | undefined;

/**
 * Starts tracing for this process when requested (see tracingRequested); otherwise does nothing
 * and loads nothing. `serviceName` is the default `service.name`; OTEL_SERVICE_NAME (or
 * `service.name` in OTEL_RESOURCE_ATTRIBUTES) overrides it. Every other standard OTEL_* variable
 * applies as the SDK defines it (protocol, headers, timeout, sampler, propagators, resource).
 */
export async function startTracing(serviceName: string): Promise<Tracing | undefined> {
  if (started || !tracingRequested()) return started;
  const { register } = await import('node:module');
  // Only the modules Flotilla's own ESM code imports and an instrumentation patches need the loader
  // hook (CommonJS requires are patched without it); leaving everything else unwrapped keeps start
  // up fast and avoids surprises in modules that do not expect wrapping.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
    data: { include: ['pg', 'pino'] },
  });
  const { startSdk } = await import('./tracing-sdk.js');
  started = startSdk(serviceName);
  return started;
}

/** Flushes and stops tracing when it was started (runService calls it before exiting). */
export async function shutdownTracing(): Promise<void> {
  const tracing = started;
  started = undefined;
  await tracing?.shutdown().catch(() => {});
}
