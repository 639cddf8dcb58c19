import { fieldPath, Page, pageQuery, principalOf, type ServiceApp, Type } from '@flotilla/kit';
import { createUser, getUser, listUsers, setPassword, updateUser } from '../domain/accounts.js';
import { changePasswordOfCaller } from './account.js';
import type { RouteContext } from './context.js';
import {
  DisplayName,
  IdParams,
  NoContent,
  Password,
  ProblemResponse,
  Roles,
  Username,
  UserSchema,
} from './schemas.js';

const ADMIN = { access: 'admin' } as const;

/** Admin user management: every route here needs the admin role. */
export function userRoutes(app: ServiceApp, context: RouteContext): void {
  const { db } = context;
  app.post(
    '/users',
    {
      config: ADMIN,
      schema: {
        summary: 'Create an account',
        description: 'With a password, so it can log in at once. Roles default to `["viewer"]`.',
        body: Type.Object({
          username: Username,
          displayName: Type.Optional(DisplayName),
          roles: Type.Optional(Roles),
          password: Password,
        }),
        response: {
          201: UserSchema,
          409: ProblemResponse('The username is taken (in any case): `errors` names `body.username`'),
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createUser(db, request.body, { username: fieldPath('body', 'username') })),
  );

  app.get(
    '/users',
    {
      config: ADMIN,
      schema: {
        summary: 'List accounts',
        description: 'In id order, a page at a time: pass `nextCursor` back as `cursor` for the next page.',
        querystring: Type.Object({ ...pageQuery({ defaultLimit: 100, maxLimit: 500 }) }),
        response: { 200: Page(UserSchema, 'A page of accounts') },
      },
    },
    async (request) => listUsers(db, request.query),
  );

  app.get(
    '/users/:id',
    { config: ADMIN, schema: { summary: 'One account', params: IdParams, response: { 200: UserSchema } } },
    async (request) => getUser(db, request.params.id),
  );

  app.patch(
    '/users/:id',
    {
      config: ADMIN,
      schema: {
        summary: 'Change an account’s display name, roles or disabled',
        description: 'Disabling an account ends its sessions and stops its API keys at once.',
        params: IdParams,
        body: Type.Object(
          {
            displayName: Type.Optional(DisplayName),
            roles: Type.Optional(Roles),
            disabled: Type.Optional(Type.Boolean()),
          },
          { minProperties: 1 },
        ),
        response: {
          200: UserSchema,
          409: ProblemResponse('The change would leave no enabled admin: promote another account first'),
        },
      },
    },
    async (request) => updateUser(db, request.params.id, request.body),
  );

  app.put(
    '/users/:id/password',
    {
      config: ADMIN,
      schema: {
        summary: 'Reset an account’s password',
        description:
          'Ends every session of the account: whoever knew the old password is signed out. Your own ' +
          'account is the exception, as in `PUT /auth/password`: it needs `currentPassword` (400 without, ' +
          '403 when wrong, both naming `body.currentPassword`) and keeps this session signed in.',
        params: IdParams,
        body: Type.Object({
          password: Password,
          currentPassword: Type.Optional(
            Type.String({ description: 'Your password now: required for your own account, not checked for another' }),
          ),
        }),
        response: {
          204: NoContent('The password is set'),
          403: ProblemResponse('Your own account, and `body.currentPassword` is not your password'),
        },
      },
    },
    async (request, reply) => {
      if (request.params.id === principalOf(request).userId) {
        await changePasswordOfCaller(context, request, reply, request.body);
      } else {
        await setPassword(db, request.params.id, request.body.password);
      }
      return reply.code(204).send(null);
    },
  );
}
