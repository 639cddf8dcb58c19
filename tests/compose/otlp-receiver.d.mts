// Types for otlp-receiver.mjs (imported by tests/embedded/tracing.test.ts).
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: number;
  resource: Record<string, unknown>;
  /** The instrumentation scope's name, e.g. @opentelemetry/instrumentation-pg. */
  scope: string;
  /** The resource's service.name. */
  service: string;
  protocol: 'http/json' | 'http/protobuf';
}

export interface Receiver {
  url: string;
  spans: ReceivedSpan[];
  errors: unknown[];
  close(): Promise<void>;
}

export function startReceiver(options?: { port?: number; host?: string }): Promise<Receiver>;
