import { HttpProblem, isApiKey, type ServiceApp } from '@flotilla/kit';
import { getUser } from '../domain/accounts.js';
import { resolveApiKey } from '../domain/api-keys.js';
import type { RouteContext } from './context.js';
import { JwksSchema, ProblemResponse, TokenResponse } from './schemas.js';

/**
 * The public key set, and the gateway's API-key exchange.
 *
 * `POST /internal/api-key-token` turns a valid API key (in X-API-Key) into a short-lived access
 * token for its owner. The gateway calls it on every API-key request and forwards the token to
 * the service, so services only ever verify JWTs. It is authenticated by the key itself, is not
 * routed by the gateway, and is not cached anywhere: revoking a key, disabling its owner or
 * changing their roles applies to the very next request on every replica, with no cache to
 * invalidate. The price is one indexed lookup and one signature per API-key request.
 *
 * Both are `public` to kit's access check: the key set is public by nature, and the exchange is
 * authenticated by the key it exchanges.
 */
export function keyRoutes(app: ServiceApp, context: RouteContext): void {
  const { db, keys, config } = context;

  app.get(
    '/.well-known/jwks.json',
    {
      // At the root as is: where JWT verifiers look for it.
      config: { access: 'public', expose: 'root' },
      schema: {
        summary: 'Public keys that verify access tokens',
        description:
          'The JSON Web Key Set (RFC 7517) of the keys that sign Flotilla access tokens, for verifying ' +
          'them without calling this service. Cache it for up to five minutes.',
        response: { 200: JwksSchema },
      },
    },
    async (_request, reply) => {
      // Short enough that a key rotation reaches every verifier within minutes.
      reply.header('cache-control', 'public, max-age=300');
      return keys.jwks;
    },
  );

  app.post(
    '/internal/api-key-token',
    {
      config: { access: 'public', expose: 'internal' },
      schema: {
        // Only the gateway calls it: not in the OpenAPI documents.
        hide: true,
        summary: 'Exchange an API key (X-API-Key) for a short-lived access token',
        response: {
          200: TokenResponse,
          401: ProblemResponse('No API key, or it is unknown, revoked or expired (the detail says which)'),
        },
      },
    },
    async (request) => {
      const key = request.headers['x-api-key'];
      if (typeof key !== 'string' || !isApiKey(key))
        throw new HttpProblem(401, 'send the API key in X-API-Key');
      const principal = await resolveApiKey(db, key);
      if (!principal) throw new HttpProblem(401, 'the API key is not valid or was revoked');
      const expiresIn = config.API_KEY_TOKEN_TTL_SECONDS;
      const accessToken = await keys.sign(principal, expiresIn);
      return { accessToken, expiresIn, user: await getUser(db, principal.userId) };
    },
  );
}
