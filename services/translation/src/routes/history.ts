import { HttpProblem, hasRole, notFound, principalOf, type ServiceApp } from '@flotilla/kit';
import {
  deleteTranslation,
  findTranslation,
  listTranslations,
  translationOwner,
} from '../db/translations.js';
import type { TranslationRouteDeps } from './context.js';
import { IdParams, ListQuery, Translation, TranslationList } from './schemas.js';

export function historyRoutes(app: ServiceApp, deps: TranslationRouteDeps): void {
  app.get(
    '/translations',
    {
      schema: {
        summary: 'Stored translations, newest first; `q` searches both texts',
        querystring: ListQuery,
        response: { 200: TranslationList },
      },
    },
    async (request) => {
      const { q, cursor, limit } = request.query;
      const search = q?.trim() ? q.trim() : undefined;
      const page = await listTranslations(deps.db, {
        q: search,
        beforeId: cursor === undefined ? undefined : Number(cursor),
        limit,
      });
      const last = page.items.at(-1);
      return { items: page.items, nextCursor: page.more && last ? String(last.id) : null };
    },
  );

  app.get(
    '/translations/:id',
    {
      schema: {
        summary: 'One stored translation, texts whole',
        params: IdParams,
        response: { 200: Translation },
      },
    },
    async (request) => {
      const found = await findTranslation(deps.db, request.params.id);
      if (!found) throw notFound(`translation ${request.params.id} does not exist`);
      return found;
    },
  );

  app.delete(
    '/translations/:id',
    { schema: { summary: 'Delete a translation: its owner or an admin', params: IdParams } },
    async (request, reply) => {
      const { id } = request.params;
      const caller = principalOf(request);
      const owner = await translationOwner(deps.db, id);
      if (!owner) throw notFound(`translation ${id} does not exist`);
      if (!hasRole(caller.roles, 'admin') && owner.ownerId !== caller.userId) {
        throw new HttpProblem(
          403,
          `translation ${id} belongs to someone else; only its owner or an admin may delete it`,
        );
      }
      await deleteTranslation(deps.db, id);
      return reply.code(204).send();
    },
  );
}
