import { principalOf, type ServiceApp } from '@flotilla/kit';
import { deleteTranslation, getTranslation, listHistory } from '../domain/history.js';
import type { TranslationRouteDeps } from './context.js';
import { Deleted, IdParams, ListQuery, Translation, TranslationPage } from './schemas.js';

export function historyRoutes(app: ServiceApp, deps: TranslationRouteDeps): void {
  app.get(
    '/translations',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Stored translations, newest first; `q` searches both texts',
        querystring: ListQuery,
        response: { 200: TranslationPage },
      },
    },
    async (request) => listHistory(deps.db, request.query),
  );

  app.get(
    '/translations/:id',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'One stored translation, texts whole',
        params: IdParams,
        response: { 200: Translation },
      },
    },
    async (request) => getTranslation(deps.db, request.params.id),
  );

  app.delete(
    '/translations/:id',
    {
      // Viewer is the minimum: the domain lets only the owner or an admin through (else 403).
      config: { access: 'viewer' },
      schema: {
        summary: 'Delete a translation: its owner or an admin',
        params: IdParams,
        response: {
          204: Deleted,
          403: {
            description: 'Neither its owner nor an admin (or signed in without the viewer role)',
            $ref: 'Problem#',
          },
        },
      },
    },
    async (request, reply) => {
      await deleteTranslation(deps.db, request.params.id, principalOf(request));
      return reply.code(204).send(null);
    },
  );
}
