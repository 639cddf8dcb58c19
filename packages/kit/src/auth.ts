/**
 * Access control every service applies to itself: who is calling, and may they call this route.
 *
 * Tokens are issued by the `users` service: short-lived JWTs signed with its private key
 * (EdDSA or ES256), whose public keys it publishes at `/.well-known/jwks.json`. A service verifies
 * them locally against that key set (fetched once and cached by jose, refetched when a token names
 * an unknown key id), so a service reached directly refuses anonymous callers exactly as the
 * gateway does. Only `Authorization: Bearer <jwt>` is read: the gateway turns a session cookie or
 * an API key into that header after its own checks (cookies need CSRF protection, which is the
 * gateway's job; API keys need a database lookup, which is the users service's).
 *
 * Usage, in a service's `routes(app, ...)`, with each route declaring its access next to itself
 * (see declarations.ts):
 *
 * ```ts
 * import { verifyAccess } from '@flotilla/kit';
 * app.addHook('onRequest', verifyAccess({ jwksUrl: config.JWKS_URL }));
 * app.post('/sql', { config: { access: 'admin' } }, handler);
 * // in a handler: const caller = principalOf(request);
 * ```
 *
 * `onRequest`, not `preHandler`: an anonymous caller must get 401 before the body is parsed or
 * validated (a 400 would describe the API to strangers, and parsing costs us, not them).
 *
 * A route that declares nothing needs admin (fail closed; kit refuses to start such a service).
 * Anonymous → 401, too little role → 403, token service unreachable → 503 (all problem+json).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  createRemoteJWKSet,
  customFetch,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { LRUCache } from 'lru-cache';
import { fetchVia } from './address.js';
import { HttpProblem } from './problem.js';

/** Roles from least to most powerful; each includes the ones before it. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** What a route requires: nobody (`public`) or at least one role. */
export type Access = 'public' | Role;

/** The verified caller. */
export interface Principal {
  userId: number;
  username: string;
  roles: Role[];
  /** `password` for a login session, `api-key` for a token minted for an API key. */
  via: 'password' | 'api-key';
}

/** Claims the users service puts in access tokens; verifiers check issuer and audience. */
export const ACCESS_TOKEN = {
  issuer: 'flotilla-users',
  audience: 'flotilla',
  type: 'at+jwt',
  algorithms: ['EdDSA', 'ES256'],
} as const;

/**
 * The header in which the gateway proves, with GATEWAY_SECRET, that it forwarded a request: the
 * users service then believes the client address the gateway reports (login limits per client).
 */
export const GATEWAY_HEADER = 'x-flotilla-gateway';

/** The cookie the users service sets and the gateway reads; services never read cookies. */
export const SESSION_COOKIE = 'flotilla_session';

export interface VerifyAccessOptions {
  /** The users service's JWKS URL. Either this or `keys`. */
  jwksUrl?: string | URL;
  /** A key resolver instead of a URL: the users service verifies with its own keys. */
  keys?: JWTVerifyGetKey;
  /**
   * Resolves an opaque API key (`flk_...`) from `Authorization: Bearer` or `X-API-Key`. Only the
   * service that stores keys (users) passes this; elsewhere API keys arrive as JWTs via the gateway.
   */
  apiKey?: (key: string) => Promise<Principal | undefined>;
}

const principals = new WeakMap<FastifyRequest, Principal>();
const remoteKeySets = new Map<string, JWTVerifyGetKey>();

/** A cached remote key set per URL, so every hook and the gateway share one fetch. */
export function remoteKeys(jwksUrl: string | URL): JWTVerifyGetKey {
  const href = String(jwksUrl);
  let keys = remoteKeySets.get(href);
  if (!keys) {
    // Over a Unix socket when the users service listens on one (`http+unix://…`).
    const { url, fetch } = fetchVia(href);
    keys = createRemoteJWKSet(url, {
      timeoutDuration: 3_000,
      cooldownDuration: 30_000,
      ...(fetch ? { [customFetch]: fetch } : {}),
    });
    remoteKeySets.set(href, keys);
  }
  return keys;
}

/** Whether any of the roles is at least `minimum` in the hierarchy viewer < operator < admin. */
export function hasRole(roles: readonly string[], minimum: Role): boolean {
  const needed = ROLES.indexOf(minimum);
  return roles.some((role) => ROLES.indexOf(role as Role) >= needed);
}

/** What a route requires: what it declared (see declarations.ts); admin if it declared nothing. */
export function accessFor(request: FastifyRequest): Access {
  // No route matched: the 404 handler answers, and has nothing to protect.
  if (request.routeOptions.url === undefined) return 'public';
  return request.routeOptions.config.access ?? 'admin';
}

export const unauthorized = (detail: string) => new HttpProblem(401, detail);
export const forbidden = (detail: string) => new HttpProblem(403, detail);

/**
 * Tokens already verified, per key resolver: the principal until the token expires. A request
 * carries the same token as the caller's last one, and the gateway and then the service each
 * verified it (a signature check per hop per request: most of the gateway's CPU). Keyed by the
 * whole token string, so a changed byte is a different token and verified anew; an entry lives
 * no longer than the token's own `exp`, after which the full check runs again and says
 * "expired". Tokens are stateless, so no revocation is skipped: a key removed from the set keeps
 * verifying only what it already verified, until expiry, as jose's own key cache would.
 */
const verified = new WeakMap<JWTVerifyGetKey, LRUCache<string, Principal>>();
const VERIFIED_TOKENS_MAX = 10_000;

function verifiedFor(keys: JWTVerifyGetKey): LRUCache<string, Principal> {
  let cache = verified.get(keys);
  if (!cache) {
    cache = new LRUCache<string, Principal>({ max: VERIFIED_TOKENS_MAX, ttlAutopurge: false });
    verified.set(keys, cache);
  }
  return cache;
}

/** When each verified token's principal stops being valid (ms since the epoch). */
const expiries = new WeakMap<Principal, number>();

/**
 * Verifies an access token and returns its principal. Invalid, expired, tampered or foreign
 * tokens → 401 problem; an unreachable key set → 503 (the caller may be fine; we cannot tell).
 */
export async function verifyAccessToken(token: string, keys: JWTVerifyGetKey): Promise<Principal> {
  const cache = verifiedFor(keys);
  const known = cache.get(token);
  if (known) return known;
  const { principal, expiresAt } = await verifyFully(token, keys);
  expiries.set(principal, expiresAt * 1000);
  const ttl = expiresAt * 1000 - Date.now();
  if (ttl > 0) cache.set(token, principal, { ttl });
  return principal;
}

async function verifyFully(token: string, keys: JWTVerifyGetKey): Promise<{ principal: Principal; expiresAt: number }> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      issuer: ACCESS_TOKEN.issuer,
      audience: ACCESS_TOKEN.audience,
      typ: ACCESS_TOKEN.type,
      algorithms: [...ACCESS_TOKEN.algorithms],
      requiredClaims: ['sub', 'exp', 'iat'],
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw unauthorized('the access token has expired; refresh it');
    if (
      error instanceof errors.JOSEError &&
      !(error instanceof errors.JWKSTimeout) &&
      !(error instanceof errors.JWKSInvalid)
    ) {
      throw unauthorized('the access token is not valid');
    }
    throw new HttpProblem(503, 'cannot verify tokens: the users service key set is unreachable', {
      retryAfter: 5,
    });
  }
  const userId = Number(payload.sub);
  const roles = Array.isArray(payload.roles)
    ? payload.roles.filter((role): role is Role => ROLES.includes(role as Role))
    : [];
  if (!Number.isSafeInteger(userId) || typeof payload.username !== 'string') {
    throw unauthorized('the access token is not valid');
  }
  return {
    principal: {
      userId,
      username: payload.username,
      roles,
      via: payload.amr === 'api-key' ? 'api-key' : 'password',
    },
    expiresAt: payload.exp as number,
  };
}

/** The credential a request carries: a JWT or an API key, and where it came from. */
export function credentialOf(
  request: FastifyRequest,
): { kind: 'jwt' | 'api-key'; value: string } | undefined {
  const header = request.headers.authorization;
  const bearer = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  const apiKeyHeader = request.headers['x-api-key'];
  const value = bearer ?? (typeof apiKeyHeader === 'string' ? apiKeyHeader.trim() : undefined);
  if (!value) return undefined;
  return { kind: isApiKey(value) ? 'api-key' : 'jwt', value };
}

/** API keys carry a fixed prefix so they are never mistaken for a JWT (and show up in scans). */
export function isApiKey(value: string): boolean {
  return value.startsWith('flk_');
}

/** A hook for `onRequest` (or `preHandler`): passes, or throws a 401/403/503 problem. */
export type AccessHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** The hook described at the top of this file. */
export function verifyAccess(options: VerifyAccessOptions): AccessHook {
  const keys = options.keys ?? (options.jwksUrl ? remoteKeys(options.jwksUrl) : undefined);
  if (!keys) throw new Error('verifyAccess needs jwksUrl or keys');
  return async function verifyAccessHook(request: FastifyRequest, reply: FastifyReply) {
    const access = accessFor(request);
    if (access === 'public') return;
    const principal = await authenticate(request, keys, options.apiKey).catch((error: unknown) => {
      if (error instanceof HttpProblem && error.status === 401) challenge(reply);
      throw error;
    });
    if (!principal) {
      challenge(reply);
      throw unauthorized('authentication required: send Authorization: Bearer <token>');
    }
    if (!hasRole(principal.roles, access)) {
      throw forbidden(`this needs the ${access} role`);
    }
    principals.set(request, principal);
  };
}

async function authenticate(
  request: FastifyRequest,
  keys: JWTVerifyGetKey,
  apiKey: VerifyAccessOptions['apiKey'],
): Promise<Principal | undefined> {
  const credential = credentialOf(request);
  if (!credential) return undefined;
  if (credential.kind === 'jwt') return verifyAccessToken(credential.value, keys);
  if (!apiKey) throw unauthorized('API keys are accepted at the gateway, not here');
  const principal = await apiKey(credential.value);
  if (!principal) throw unauthorized('the API key is not valid or was revoked');
  return principal;
}

function challenge(reply: FastifyReply): void {
  reply.header('www-authenticate', 'Bearer realm="flotilla"');
}

/** The caller verifyAccess let through; throws 401 on a route that was public. */
export function principalOf(request: FastifyRequest): Principal {
  const principal = principals.get(request);
  if (!principal) throw unauthorized('authentication required');
  return principal;
}

/**
 * When the token that authenticated the request expires (ms since the epoch); undefined for a
 * caller authenticated otherwise. What outlives one request, an event stream, should end then.
 */
export function accessExpiryOf(request: FastifyRequest): number | undefined {
  const principal = principals.get(request);
  return principal && expiries.get(principal);
}

/** The caller if verifyAccess authenticated one (public routes have none). */
export function maybePrincipalOf(request: FastifyRequest): Principal | undefined {
  return principals.get(request);
}
