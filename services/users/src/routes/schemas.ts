import type {} from '@fastify/swagger';
import { Type } from '@flotilla/kit';
import { MAX_CHOSEN_ID } from '../domain/accounts.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../domain/passwords.js';

export const Username = Type.String({
  pattern: '^[A-Za-z0-9._-]{1,64}$',
  description: 'letters, digits, . _ -',
});
/** A password being set. Logging in takes any string (see domain/passwords.ts). */
export const Password = Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH });
export const DisplayName = Type.String({ minLength: 1, maxLength: 200 });
export const RoleSchema = Type.Union([
  Type.Literal('viewer'),
  Type.Literal('operator'),
  Type.Literal('admin'),
]);
export const Roles = Type.Array(RoleSchema, { minItems: 1, uniqueItems: true });
/** Any id: ids are read as JavaScript numbers, so beyond its safe integers none can exist. */
export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
/** An id a caller may choose (note 003); the rest of the range is left to generated ids. */
export const ChosenId = Type.Integer({ minimum: 1, maximum: MAX_CHOSEN_ID });

export const UserSchema = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  displayName: Type.String(),
  roles: Type.Array(RoleSchema),
  createdAt: Type.String({ format: 'date-time' }),
  disabled: Type.Boolean(),
});

export const TokenResponse = Type.Object({
  accessToken: Type.String(),
  expiresIn: Type.Integer({ description: 'seconds' }),
  user: UserSchema,
});

export const ApiKeySchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const NewApiKeySchema = Type.Object({
  ...ApiKeySchema.properties,
  key: Type.String({ description: 'the key itself: shown this once, never stored' }),
});

export const IdParams = Type.Object({ id: Id });
