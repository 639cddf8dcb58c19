import type {} from '@fastify/swagger';
import { type ProblemDocument, Type } from '@flotilla/kit';
import { MAX_CHOSEN_ID } from '../domain/accounts.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../domain/passwords.js';

export const Username = Type.String({
  pattern: '^[A-Za-z0-9._-]{1,64}$',
  description: 'Letters, digits, `.`, `_` and `-`, up to 64; unique regardless of case',
});
/** A password being set. Logging in takes any string (see domain/passwords.ts). */
export const Password = Type.String({
  minLength: PASSWORD_MIN_LENGTH,
  maxLength: PASSWORD_MAX_LENGTH,
  description: `${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
});
export const DisplayName = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'The name shown for the account',
});
/** A role, described for where it is used. */
export const roleSchema = (description: string) =>
  Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')], { description });
export const RoleSchema = roleSchema('viewer reads; operator also creates and books; admin also manages accounts');
export const Roles = Type.Array(RoleSchema, { minItems: 1, uniqueItems: true });
/** Any id: ids are read as JavaScript numbers, so beyond its safe integers none can exist. */
export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
/** An id a caller may choose (note 003); the rest of the range is left to generated ids. */
export const ChosenId = Type.Integer({
  minimum: 1,
  maximum: MAX_CHOSEN_ID,
  description: `The id to give the account, 1 … ${MAX_CHOSEN_ID}`,
});

export const UserSchema = Type.Object(
  {
    id: Type.Integer(),
    username: Type.String(),
    displayName: Type.String(),
    roles: Type.Array(RoleSchema, { description: 'In the order viewer, operator, admin' }),
    createdAt: Type.String({ format: 'date-time' }),
    disabled: Type.Boolean({ description: 'A disabled account can neither log in nor use its API keys' }),
  },
  { description: 'An account (never its password)' },
);

export const TokenResponse = Type.Object(
  {
    accessToken: Type.String({ description: 'A JWT to send as `Authorization: Bearer`' }),
    expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
    user: UserSchema,
  },
  { description: 'An access token and the account it speaks for' },
);

export const ApiKeySchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    prefix: Type.String({ description: 'The first characters of the key, to tell keys apart' }),
    createdAt: Type.String({ format: 'date-time' }),
    lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'To the minute; null if never used',
    }),
    expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'From then on it is refused (401, saying it expired); null: never',
    }),
    role: Type.Union([RoleSchema, Type.Null()], {
      description: 'The most it may do (never more than its owner may at the time); null: whatever its owner may',
    }),
  },
  { description: 'An API key (never the key itself); expired keys are listed until revoked' },
);

export const NewApiKeySchema = Type.Object(
  {
    ...ApiKeySchema.properties,
    key: Type.String({ description: 'The key itself: shown this once, never stored' }),
  },
  { description: 'The new API key, with the key itself' },
);

export const SessionSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'The session (one login and its refreshes)' }),
    createdAt: Type.String({ format: 'date-time', description: 'When it signed in' }),
    lastUsedAt: Type.String({ format: 'date-time', description: 'Its last sign-in or refresh' }),
    expiresAt: Type.String({ format: 'date-time', description: 'When it ends unless refreshed' }),
    userAgent: Type.Union([Type.String(), Type.Null()], {
      description: 'The User-Agent it last refreshed with (up to 256 characters); null if none was sent',
    }),
    current: Type.Boolean({ description: 'Whether it is the session this request came from' }),
  },
  { description: 'A signed-in session (never its tokens)' },
);

/** A public key of the set published at /.well-known/jwks.json (RFC 7517); never a private member. */
export const PublicJwk = Type.Object({
  kty: Type.String({ description: '`OKP` (Ed25519) or `EC` (P-256)' }),
  crv: Type.String(),
  x: Type.String(),
  y: Type.Optional(Type.String({ description: 'EC keys only' })),
  kid: Type.String(),
  alg: Type.Union([Type.Literal('EdDSA'), Type.Literal('ES256')]),
  use: Type.Literal('sig'),
});
export const JwksSchema = Type.Object(
  { keys: Type.Array(PublicJwk) },
  { description: 'A JSON Web Key Set of public keys' },
);

export const IdParams = Type.Object({ id: Id });

/** A response with no body. */
export const NoContent = (description: string) => Type.Null({ description });

/** An error response (problem+json, kit's shared `Problem`) that kit does not add by itself. */
export const ProblemResponse = (description: string) =>
  Type.Unsafe<ProblemDocument>({ $ref: 'Problem#', description });
