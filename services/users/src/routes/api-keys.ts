import { principalOf, type ServiceApp, Type } from '@flotilla/kit';
import { createApiKey, listApiKeys, revokeApiKey } from '../domain/api-keys.js';
import type { RouteContext } from './context.js';
import { ApiKeySchema, IdParams, NewApiKeySchema } from './schemas.js';

/** The caller's own API keys (any signed-in role). */
export function apiKeyRoutes(app: ServiceApp, { db }: RouteContext): void {
  app.post(
    '/api-keys',
    {
      schema: {
        summary: 'Create an API key for yourself; the key is shown in this response only',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: { 201: NewApiKeySchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createApiKey(db, principalOf(request).userId, request.body.name)),
  );

  app.get(
    '/api-keys',
    {
      schema: {
        summary: 'Your API keys (never the keys themselves)',
        response: { 200: Type.Array(ApiKeySchema) },
      },
    },
    async (request) => listApiKeys(db, principalOf(request).userId),
  );

  app.delete(
    '/api-keys/:id',
    { schema: { summary: 'Revoke an API key; it stops working at once', params: IdParams } },
    async (request, reply) => {
      await revokeApiKey(db, request.params.id, principalOf(request));
      return reply.code(204).send();
    },
  );
}
