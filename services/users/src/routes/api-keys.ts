import { Page, pageQuery, principalOf, type ServiceApp, Type } from '@flotilla/kit';
import { createApiKey, listApiKeys, revokeApiKey } from '../domain/api-keys.js';
import type { RouteContext } from './context.js';
import { ApiKeySchema, IdParams, NewApiKeySchema, NoContent, ProblemResponse, roleSchema } from './schemas.js';

// Any signed-in role; whose keys a caller may touch is the domain's rule (domain/api-keys.ts).
const SIGNED_IN = { access: 'viewer' } as const;

/** The caller's own API keys. */
export function apiKeyRoutes(app: ServiceApp, { db }: RouteContext): void {
  app.post(
    '/api-keys',
    {
      config: SIGNED_IN,
      schema: {
        summary: 'Create an API key for yourself',
        description:
          'The key (`flk_…`) is in this response only; only its hash is stored. Send it as `X-API-Key` ' +
          '(or `Authorization: Bearer`); it acts with your roles as they are at each request, capped at ' +
          '`role` when given, until `expiresAt` when given. Only a password session may make keys: an ' +
          'API key cannot (it could outlive its own expiry).',
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 100, description: 'What it is for' }),
          expiresAt: Type.Optional(
            Type.String({
              format: 'date-time',
              description: 'RFC 3339, in the future (400 otherwise); absent: it never expires',
            }),
          ),
          role: Type.Optional(
            roleSchema('The most it may do: your own role or one below it (403 otherwise); absent: as you'),
          ),
        }),
        response: {
          201: NewApiKeySchema,
          403: ProblemResponse('`role` is above your own (`errors` names `body.role`), or the caller is an API key'),
        },
      },
    },
    async (request, reply) => reply.code(201).send(await createApiKey(db, principalOf(request), request.body)),
  );

  app.get(
    '/api-keys',
    {
      config: SIGNED_IN,
      schema: {
        summary: 'List your API keys',
        description: 'Unrevoked keys in id order (expired ones too, with `expiresAt`), never the keys themselves.',
        querystring: Type.Object({ ...pageQuery({ defaultLimit: 100, maxLimit: 500 }) }),
        response: { 200: Page(ApiKeySchema, 'A page of your API keys') },
      },
    },
    async (request) => listApiKeys(db, principalOf(request).userId, request.query),
  );

  app.delete(
    '/api-keys/:id',
    {
      config: SIGNED_IN,
      schema: {
        summary: 'Revoke an API key',
        description:
          'It stops working at once. Only your own (404 for anyone else’s), unless you are an admin.',
        params: IdParams,
        response: { 204: NoContent('Revoked') },
      },
    },
    async (request, reply) => {
      await revokeApiKey(db, request.params.id, principalOf(request));
      return reply.code(204).send(null);
    },
  );
}
