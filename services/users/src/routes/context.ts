import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { UsersConfig } from '../config.js';
import type { DB } from '../db/schema.js';
import type { User } from '../domain/accounts.js';
import type { SigningKeys } from '../domain/signing.js';

/** What every route module needs, handed down from buildApp (no globals). */
export interface RouteContext {
  db: Kysely<DB>;
  keys: SigningKeys;
  config: UsersConfig;
  /** The client's address for rate limiting (see routes/client.ts). */
  clientAddress: (request: FastifyRequest) => string;
}

/** An access token for a user, in the shape login and refresh answer with. */
export async function accessTokenFor(context: RouteContext, user: User) {
  const expiresIn = context.config.ACCESS_TOKEN_TTL_SECONDS;
  const accessToken = await context.keys.sign(
    { userId: user.id, username: user.username, roles: user.roles, via: 'password' },
    expiresIn,
  );
  return { accessToken, expiresIn, user };
}
