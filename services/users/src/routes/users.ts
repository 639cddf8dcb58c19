import { type ServiceApp, Type } from '@flotilla/kit';
import { createUser, getUser, listUsers, setPassword, updateUser } from '../domain/accounts.js';
import type { RouteContext } from './context.js';
import { DisplayName, IdParams, Password, Roles, Username, UserSchema } from './schemas.js';

/** Admin user management (every route here needs admin: see ACCESS in app.ts). */
export function userRoutes(app: ServiceApp, { db }: RouteContext): void {
  app.post(
    '/users',
    {
      schema: {
        summary: 'Create an account',
        body: Type.Object({
          username: Username,
          displayName: Type.Optional(DisplayName),
          roles: Type.Optional(Roles),
          password: Password,
        }),
        response: { 201: UserSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await createUser(db, request.body)),
  );

  app.get(
    '/users',
    {
      schema: {
        summary: 'List accounts',
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          // Bounded like ids: beyond safe integers the number is already rounded, and beyond
          // PostgreSQL's bigint the query fails.
          offset: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 }),
        }),
        response: { 200: Type.Array(UserSchema) },
      },
    },
    async (request) => listUsers(db, request.query),
  );

  app.get(
    '/users/:id',
    { schema: { summary: 'One account', params: IdParams, response: { 200: UserSchema } } },
    async (request) => getUser(db, request.params.id),
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        summary: 'Change display name, roles or disabled (disabling ends its sessions)',
        params: IdParams,
        body: Type.Object(
          {
            displayName: Type.Optional(DisplayName),
            roles: Type.Optional(Roles),
            disabled: Type.Optional(Type.Boolean()),
          },
          { minProperties: 1 },
        ),
        response: { 200: UserSchema },
      },
    },
    async (request) => updateUser(db, request.params.id, request.body),
  );

  app.put(
    '/users/:id/password',
    {
      schema: {
        summary: 'Reset an account’s password (ends its sessions)',
        params: IdParams,
        body: Type.Object({ password: Password }),
      },
    },
    async (request, reply) => {
      await setPassword(db, request.params.id, request.body.password);
      return reply.code(204).send();
    },
  );
}
