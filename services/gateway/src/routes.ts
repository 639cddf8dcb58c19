import type { GatewayConfig } from './config.js';

export type ServiceName = 'users' | 'fleet' | 'translation' | 'stats';

export interface Route {
  /** Public path prefix at the gateway. */
  prefix: string;
  service: ServiceName;
  /** Whether the service sees the path without the gateway's `/api` prefix. */
  stripApi: boolean;
}

const api = (prefix: string, service: ServiceName): Route => ({
  prefix: `/api${prefix}`,
  service,
  stripApi: true,
});
const asIs = (prefix: string, service: ServiceName): Route => ({ prefix, service, stripApi: false });

/** The routing table: every public path prefix and the service that owns it. */
export const ROUTES: readonly Route[] = [
  api('/auth', 'users'),
  api('/users', 'users'),
  api('/api-keys', 'users'),
  // Design note 003's original endpoints, kept at the root for its clients.
  asIs('/create_user', 'users'),
  asIs('/get_user', 'users'),
  // The public keys that verify access tokens, for anyone who wants to check one.
  asIs('/.well-known/jwks.json', 'users'),
  api('/cars', 'fleet'),
  api('/lorries', 'fleet'),
  api('/trucks', 'fleet'),
  api('/runways', 'fleet'),
  api('/translate', 'translation'),
  api('/translations', 'translation'),
  api('/sql', 'translation'),
  api('/stats', 'stats'),
];

export const SERVICES: readonly ServiceName[] = ['users', 'fleet', 'translation', 'stats'];

export function serviceUrls(config: GatewayConfig): Record<ServiceName, string> {
  return {
    users: config.USERS_URL,
    fleet: config.FLEET_URL,
    translation: config.TRANSLATION_URL,
    stats: config.STATS_URL,
  };
}

function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** The route a public path belongs to, and the path the service sees. */
export function resolveRoute(path: string): { route: Route; upstreamPath: string } | undefined {
  const route = ROUTES.find((candidate) => under(path, candidate.prefix));
  if (!route) return undefined;
  return { route, upstreamPath: route.stripApi ? path.slice('/api'.length) : path };
}

/** The public path for a path a service documents, if the gateway routes it. */
export function publicPath(service: ServiceName, servicePath: string): string | undefined {
  for (const route of ROUTES) {
    if (route.service !== service) continue;
    const candidate = route.stripApi ? `/api${servicePath}` : servicePath;
    if (under(candidate, route.prefix)) return candidate;
  }
  return undefined;
}
