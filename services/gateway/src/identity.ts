import {
  type Access,
  credentialOf,
  HttpProblem,
  hasRole,
  type Principal,
  remoteKeys,
  SESSION_COOKIE,
  servicePool,
  unauthorized,
  upstreamProblem,
  verifyAccessToken,
} from '@flotilla/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JWTVerifyGetKey } from 'jose';
import type { Pool } from 'undici';

/** The verified caller and the token the gateway forwards for them. */
export interface Identity {
  principal: Principal;
  /** A users-signed JWT: the caller's own, or one minted for their API key. */
  token: string;
  /** Where the credential came from; cookies need CSRF protection. */
  source: 'bearer' | 'api-key' | 'cookie';
}

export interface IdentityOptions {
  usersUrl: string;
  jwksUrl: string;
  /** Origins besides the gateway's own host that may send cookie-authenticated writes. */
  allowedOrigins: readonly string[];
  timeoutMs?: number;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Decides whether a request may pass and as whom. Accepts, in this order: `Authorization: Bearer`
 * with a JWT or an API key, `X-API-Key`, the session cookie. JWTs are verified against the users
 * service's JWKS (cached by jose). API keys are exchanged at the users service on every request —
 * deliberately uncached, so a revoked key is refused on the very next request on every replica.
 */
export class Gatekeeper {
  private readonly keys: JWTVerifyGetKey;
  private readonly users: Pool;
  private readonly timeoutMs: number;

  constructor(private readonly options: IdentityOptions) {
    this.keys = remoteKeys(options.jwksUrl);
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.users = servicePool(options.usersUrl, { headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
  }

  /**
   * Throws 401/403 problems; returns the identity to forward, or undefined on a public route.
   * `access` is what the route's service declared for it (the generated routing table).
   */
  async admit(request: FastifyRequest, reply: FastifyReply, access: Access): Promise<Identity | undefined> {
    this.checkOrigin(request);
    if (access === 'public') return undefined;
    let identity: Identity | undefined;
    try {
      identity = await this.identify(request);
    } catch (error) {
      if (error instanceof HttpProblem && error.status === 401) challenge(reply);
      throw error;
    }
    if (!identity) {
      challenge(reply);
      throw unauthorized('authentication required: log in, or send Authorization: Bearer <token or API key>');
    }
    if (!hasRole(identity.principal.roles, access))
      throw new HttpProblem(403, `this needs the ${access} role`);
    return identity;
  }

  private async identify(request: FastifyRequest): Promise<Identity | undefined> {
    const credential = credentialOf(request);
    if (credential?.kind === 'api-key') return this.exchangeApiKey(credential.value, request.id);
    if (credential) {
      return {
        principal: await verifyAccessToken(credential.value, this.keys),
        token: credential.value,
        source: 'bearer',
      };
    }
    const cookie = request.cookies[SESSION_COOKIE];
    if (!cookie) return undefined;
    return { principal: await verifyAccessToken(cookie, this.keys), token: cookie, source: 'cookie' };
  }

  private async exchangeApiKey(key: string, requestId: string): Promise<Identity> {
    let response: Awaited<ReturnType<Pool['request']>>;
    try {
      response = await this.users.request({
        path: '/internal/api-key-token',
        method: 'POST',
        headers: { 'x-api-key': key, 'x-request-id': requestId, accept: 'application/json' },
      });
    } catch (error) {
      throw upstreamProblem('users', error, this.timeoutMs) ?? error;
    }
    const body = (await response.body.json()) as { accessToken?: string; detail?: unknown };
    // users says why (unknown, revoked, expired on …); its words reach the caller.
    if (response.statusCode === 401) {
      throw unauthorized(typeof body.detail === 'string' ? body.detail : 'the API key is not valid or was revoked');
    }
    if (response.statusCode !== 200 || !body.accessToken) {
      throw new HttpProblem(502, `the users service could not check the API key (${response.statusCode})`);
    }
    // Verified like any token: a misconfigured USERS_URL must not be able to vouch for anyone.
    return {
      principal: await verifyAccessToken(body.accessToken, this.keys),
      token: body.accessToken,
      source: 'api-key',
    };
  }

  /**
   * CSRF: a browser attaches our cookies to requests other sites trigger, but always says where
   * the request came from in Origin (or, failing that, Referer). An unsafe request that carries
   * our cookies must come from our own host; one with a foreign Origin is refused even without
   * cookies (no login CSRF). Scripts with a Bearer token or API key send no cookies and no Origin.
   */
  private checkOrigin(request: FastifyRequest): void {
    if (!UNSAFE.has(request.method)) return;
    const hasCookie = /(?:^|;\s*)flotilla_/.test(request.headers.cookie ?? '');
    const usesHeader = credentialOf(request) !== undefined;
    const origin = request.headers.origin ?? originOf(request.headers.referer);
    if (origin === undefined || origin === 'null') {
      if (hasCookie && !usesHeader) {
        throw new HttpProblem(
          403,
          'cross-site request refused: a cookie-authenticated write needs an Origin header',
        );
      }
      return;
    }
    if (!this.sameSite(request, origin)) {
      throw new HttpProblem(403, `cross-site request refused: origin ${origin} is not this site`);
    }
  }

  private sameSite(request: FastifyRequest, origin: string): boolean {
    if (this.options.allowedOrigins.includes(origin)) return true;
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return false;
    }
    const forwardedHost = request.headers['x-forwarded-host'];
    const hosts = [
      request.headers.host,
      typeof forwardedHost === 'string' ? forwardedHost.split(',')[0]?.trim() : undefined,
    ];
    return hosts.includes(host);
  }

  async close(): Promise<void> {
    await this.users.close();
  }
}

function originOf(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return 'null';
  }
}

function challenge(reply: FastifyReply): void {
  reply.header('www-authenticate', 'Bearer realm="flotilla"');
}
