import { type ServiceApp, Type } from '@flotilla/kit';
import { createUser, getUser } from '../domain/accounts.js';
import type { RouteContext } from './context.js';
import { ChosenId, Id, Username } from './schemas.js';

const LegacyUser = Type.Object({ userid: Type.Integer(), username: Type.String() });

/**
 * Design note 003's original API, kept for its clients: create a user with a chosen id (no
 * password, role viewer; an admin sets a password to let it log in) and read it back.
 */
export function legacyRoutes(app: ServiceApp, { db }: RouteContext): void {
  app.post(
    '/create_user',
    {
      schema: {
        summary: 'Note 003: create a user with a chosen id, 1 … 2147483647 (409 if the id or name exists)',
        querystring: Type.Object({ userid: ChosenId, username: Username }),
        response: { 201: LegacyUser },
      },
    },
    async (request, reply) => {
      const user = await createUser(db, { id: request.query.userid, username: request.query.username });
      return reply.code(201).send({ userid: user.id, username: user.username });
    },
  );

  app.get(
    '/get_user',
    {
      schema: {
        summary: 'Note 003: read a user by id (404 if absent)',
        querystring: Type.Object({ userid: Id }),
        response: { 200: LegacyUser },
      },
    },
    async (request) => {
      const user = await getUser(db, request.query.userid);
      return { userid: user.id, username: user.username };
    },
  );
}
