import { fieldPath, type ServiceApp, Type } from '@flotilla/kit';
import { createUser, getUser } from '../domain/accounts.js';
import type { RouteContext } from './context.js';
import { ChosenId, Id, ProblemResponse, Username } from './schemas.js';

const LegacyUser = Type.Object(
  { userid: Type.Integer(), username: Type.String() },
  { description: 'An account in note 003’s shape' },
);

/** Published at the root as is (`/create_user`, not under `/api`), and admin's, like `/users`. */
const NOTE_003 = { access: 'admin', expose: 'root' } as const;

const ABOUT =
  'Design note 003’s original API, kept working for the clients written against it, at the root ' +
  'path as that note defined it. It reads and creates accounts by id only; the full account API ' +
  '(passwords, roles, display names, disabling, pages of accounts) is `/api/users`.';

/**
 * Design note 003's original API, kept for its clients: create a user with a chosen id (no
 * password, role viewer; an admin sets a password to let it log in) and read it back.
 */
export function legacyRoutes(app: ServiceApp, { db }: RouteContext): void {
  app.post(
    '/create_user',
    {
      config: NOTE_003,
      schema: {
        summary: 'Note 003: create a user with a chosen id',
        description:
          `${ABOUT} This creates a viewer with the id and username given, and no password: it cannot ` +
          'log in until an admin sets one with `PUT /api/users/{id}/password`. Generated ids continue ' +
          'above the largest chosen one.',
        querystring: Type.Object({ userid: ChosenId, username: Username }),
        response: {
          201: LegacyUser,
          409: ProblemResponse(
            'The id or the username is taken: `errors` names `query.userid` or `query.username`',
          ),
        },
      },
    },
    async (request, reply) => {
      const { userid, username } = request.query;
      const user = await createUser(
        db,
        { id: userid, username },
        { id: fieldPath('query', 'userid'), username: fieldPath('query', 'username') },
      );
      return reply.code(201).send({ userid: user.id, username: user.username });
    },
  );

  app.get(
    '/get_user',
    {
      config: NOTE_003,
      schema: {
        summary: 'Note 003: read a user by id',
        description:
          `${ABOUT} This returns the id and username of any account; ` +
          '`GET /api/users/{id}` returns all of it.',
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
