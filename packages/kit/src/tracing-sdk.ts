// The OpenTelemetry SDK as Flotilla runs it; loaded by tracing.ts only when tracing is requested.
//
// Spans: an incoming HTTP request (instrumentation-http: the server span, W3C traceparent
// extracted), Fastify's request and route handler (@fastify/otel), every outgoing call through
// undici (the gateway's proxy, token key fetches; traceparent injected), every SQL query and pool
// checkout (instrumentation-pg, embedded PGlite included: it runs behind pg's client). Log lines
// written inside a span carry trace_id, span_id and trace_flags (instrumentation-pino).
//
// Versions: the Node-20 line (SDK 2.12 / experimental 0.223, pinned in package.json); the current
// OpenTelemetry releases need Node 22.15 or later.
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { Tracing } from './tracing.js';

/** Probes and scrapes: traced, they would be most of the traces and tell nothing. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const untraced = (url: string | undefined) => UNTRACED_PATHS.has((url ?? '').split('?')[0] ?? '');

/** Propagation headers a hop inherited from its own caller: this hop's span replaces them. */
const PROPAGATION_HEADERS = new Set(['traceparent', 'tracestate', 'baggage']);

/**
 * The gateway forwards its caller's headers, the edge's traceparent among them; undici's
 * instrumentation then adds the gateway's own, and the service would receive both (joined into one
 * unparsable value). The inherited ones are dropped before the instrumentation injects its own.
 */
function dropInheritedPropagation(request: { headers?: unknown }): void {
  const headers = request.headers;
  if (!Array.isArray(headers)) return;
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if (PROPAGATION_HEADERS.has(String(headers[i]).toLowerCase())) headers.splice(i, 2);
  }
}

/**
 * OTLP over HTTP, as OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL says (`http/protobuf`, the default, or
 * `http/json`); the exporter reads endpoint, headers, timeout and compression from the standard
 * variables itself. Anything else (`grpc`, or OTEL_TRACES_EXPORTER naming another exporter) is left
 * to the SDK's own handling of the environment.
 */
function traceExporter(env: NodeJS.ProcessEnv) {
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter && exporter !== 'otlp') return undefined;
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? '').trim();
  if (protocol === 'http/json') return new OTLPJsonTraceExporter();
  if (protocol === '' || protocol === 'http/protobuf') return new OTLPProtoTraceExporter();
  return undefined;
}

/** Whether the environment names the service itself (the SDK's resource detector reads it). */
function serviceNamedByEnv(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SERVICE_NAME?.trim()) return true;
  return (env.OTEL_RESOURCE_ATTRIBUTES ?? '').split(',').some((pair) => pair.trim().startsWith('service.name='));
}

export function startSdk(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  const exporter = traceExporter(env);
  const sdk = new NodeSDK({
    ...(serviceNamedByEnv(env) ? {} : { serviceName }),
    ...(exporter ? { traceExporter: exporter } : {}),
    // Traces only, unless asked: metrics are Prometheus' (/metrics), logs are stdout's (pino).
    // OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER, when set, are the SDK's to apply.
    ...(env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
    ...(env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => untraced(request.url),
        // The request id (X-Request-Id, kept from the edge through every service) on each server
        // span: a trace can be found from a log line's reqId, and the other way round.
        headersToSpanAttributes: { server: { requestHeaders: ['x-request-id'] } },
      }),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        // The request and its route handler; one span per lifecycle hook would triple the count.
        instrumentHooks: false,
        ignorePaths: (route: { url?: string }) => untraced(route.url),
        // `handler <route>`, not the plugin chain the handler was registered through.
        lifecycleHook: (span, info) => {
          if (info.hookName === 'handler') span.updateName(`handler ${info.request.routeOptions.url ?? ''}`);
        },
      }),
      new UndiciInstrumentation({
        // Calls made outside any request (a background job's) do not start traces of their own.
        requireParentforSpans: true,
        requestHook: (_span, request) => dropInheritedPropagation(request as { headers?: unknown }),
      }),
      new PgInstrumentation({
        // Migrations at start and readiness probes' `select 1` are not requests anyone traces.
        requireParentSpan: true,
      }),
      new PinoInstrumentation({
        // trace_id / span_id / trace_flags in every log line written inside a span; the lines
        // themselves stay on stdout unless OTEL_LOGS_EXPORTER asks for them to be sent.
        disableLogSending: !env.OTEL_LOGS_EXPORTER,
      }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
