import { PassThrough } from 'node:stream';
import replyFrom from '@fastify/reply-from';
import type {} from '@fastify/swagger';
import {
  GATEWAY_HEADER,
  HttpProblem,
  PROBLEM_CONTENT_TYPE,
  type ServiceApp,
  serviceAgent,
  upstreamProblem,
} from '@flotilla/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Gatekeeper, Identity } from './identity.js';
import type { PublicRoute, ServiceName } from './routes.js';
import { endStreamsWithErrorEvent } from './sse-cut.js';
import { StreamsApart } from './stream-dispatcher.js';

export interface ProxyOptions {
  upstreams: Record<ServiceName, string>;
  /** The routing table: what each service publishes, and who may call it. */
  routes: readonly PublicRoute[];
  gatekeeper: Gatekeeper;
  timeoutMs: number;
  metrics: Registry;
  /** Sent to users so it believes the X-Forwarded-For the gateway sets (login limits per client). */
  gatewaySecret: string | undefined;
}

/**
 * Forwards each public route (under `/api`, and note 003's root paths) to the service that
 * declared it. Bodies are streamed both ways, never buffered: content-type parsing is switched
 * off inside this plugin.
 *
 * Every request passes the gatekeeper first (route policy, credentials, CSRF). What reaches a
 * service is `Authorization: Bearer <users-signed JWT>` for the verified caller — the caller's own
 * token, or one minted for their API key — which the service verifies again; nothing a direct
 * caller could forge. API keys never travel further, and cookies only to users (which owns them).
 */
export async function proxyRoutes(app: ServiceApp, options: ProxyOptions): Promise<void> {
  const labelNames = ['service', 'route', 'status_code'] as const;
  const requests = new Counter({
    name: 'gateway_upstream_requests_total',
    help: 'Requests forwarded to each service',
    labelNames,
    registers: [options.metrics],
  });
  const latency = new Histogram({
    name: 'gateway_upstream_duration_seconds',
    help: 'Time until the upstream response completed, by service and route prefix',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [options.metrics],
  });

  // One dispatcher for every service, over TCP or (embedded) each service's Unix socket; event
  // streams apart, unbounded, so that open streams never hold the pool other requests queue on.
  const upstream = (connections: number | null) =>
    serviceAgent(options.upstreams, { connections, headersTimeout: options.timeoutMs, bodyTimeout: 0 });
  const { dispatcher: pooled, origins } = upstream(64);
  const dispatcher = new StreamsApart(pooled, upstream(null).dispatcher);
  app.addHook('onClose', () => dispatcher.close());
  // A subscription (a GET event stream: fleet's changes, a job's progress) is open for as long as
  // its page is: ended when the gateway closes, or it would hold the drain open; clients reconnect.
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());
  await app.register(replyFrom, {
    undici: dispatcher,
    // A failed upstream gets a problem document at once, not retries that pile up load.
    maxRetriesOn503: 0,
    disableRequestLogging: true,
  });

  app.removeAllContentTypeParsers();
  // The body reaches the service through a pass-through, so that a failed upstream destroys only
  // that (undici destroys the body it was sending): the request itself stays readable, and its
  // unread rest is discarded so the client's connection stays usable (kit's early answers).
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload.pipe(new PassThrough())));

  const forward = (route: PublicRoute) => async (request: FastifyRequest, reply: FastifyReply) => {
    const [path = '', query] = splitUrl(request.url);
    const identity = await options.gatekeeper.admit(request, reply, route.access);
    // The query travels verbatim, apart from the path: reply-from decodes the URL it is given and
    // a malformed escape (`?%`) would throw there; the service's own parser reads it leniently.
    const target = `${origins[route.service]}${route.stripApi ? path.slice('/api'.length) : path}`;
    const labels = { service: route.service, route: route.url };
    const stopTimer = latency.startTimer(labels);
    reply.raw.once('finish', () => {
      const done = { ...labels, status_code: String(reply.statusCode) };
      requests.inc(done);
      stopTimer({ status_code: done.status_code });
    });
    return reply.from(target, {
      queryString: () => query ?? '',
      rewriteRequestHeaders: (_req, headers) => ({
        ...forwardedCredentials(headers, route.service, identity),
        ...(route.service === 'users' && options.gatewaySecret ? { [GATEWAY_HEADER]: options.gatewaySecret } : {}),
        ...(route.stripApi ? { 'x-forwarded-prefix': '/api' } : {}),
        'x-request-id': request.id,
        'x-forwarded-for': request.ip,
        'x-forwarded-proto': request.protocol,
        'x-forwarded-host': request.headers.host ?? '',
      }),
      onResponse: (_request, upstreamReply, response) => {
        const contentType = String(upstreamReply.getHeader('content-type') ?? '');
        upstreamReply.send(
          endStreamsWithErrorEvent(response.stream, {
            contentType,
            service: route.service,
            instance: request.url,
            ...(request.method === 'GET' ? { cutWhen: closing.signal } : {}),
          }),
        );
      },
      onError: (failed, { error }) => {
        const cause = (error as { cause?: unknown }).cause ?? error;
        const problem =
          upstreamProblem(route.service, cause, options.timeoutMs) ??
          new HttpProblem(502, `the ${route.service} service failed: ${error.message}`, {
            service: route.service,
          });
        request.log.warn({ service: route.service, code: (cause as { code?: string }).code }, problem.detail);
        if (problem.status === 503) failed.header('retry-after', '5');
        failed.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem.toJSON(request.url));
      },
    });
  };

  // One route per route a service declared (src/generated/routes.json), with its access.
  for (const route of options.routes) {
    app.route({ method: route.methods, url: route.url, schema: { hide: true }, handler: forward(route) });
  }
}

/** Path and query (Fastify's router has already refused a path with a malformed escape). */
function splitUrl(url: string): [string, string | undefined] {
  const mark = url.indexOf('?');
  return mark === -1 ? [url, undefined] : [url.slice(0, mark), url.slice(mark + 1)];
}

/** The incoming headers minus credentials the upstream must not see, plus the verified token. */
function forwardedCredentials(
  headers: Record<string, string | string[] | undefined>,
  service: ServiceName,
  identity: Identity | undefined,
): Record<string, string | string[] | undefined> {
  // A client's own gateway header is dropped: only the gateway's is ever sent on. So are the
  // hop-by-hop headers (RFC 9110 §7.6.1) and `expect`, which Node answers here with its own
  // 100 Continue: undici refuses to send them, and a refused request also keeps its connection
  // slot, so enough of them would leave the service unreachable.
  const {
    'x-api-key': _apiKey,
    cookie,
    authorization,
    [GATEWAY_HEADER]: _claimed,
    expect: _expect,
    upgrade: _upgrade,
    'keep-alive': _keepAlive,
    'proxy-connection': _proxyConnection,
    te: _te,
    ...rest
  } = headers;
  return {
    ...rest,
    // Only users reads cookies (the refresh token); other services never need them.
    ...(service === 'users' && cookie !== undefined ? { cookie } : {}),
    ...(identity
      ? { authorization: `Bearer ${identity.token}` }
      : authorization !== undefined
        ? { authorization }
        : {}),
  };
}
