import { createHash } from 'node:crypto';
import { HttpProblem } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import { claimKey, findKey, storeResponse } from '../db/idempotency.js';
import type { DB } from '../db/schema.js';

export interface StoredResponse {
  status: number;
  body: unknown;
}

export interface Outcome extends StoredResponse {
  /** True when this is the stored answer to an earlier request with the same key. */
  replayed: boolean;
}

export interface IdempotencyRequest {
  /** Undefined when the client sent no Idempotency-Key: the operation simply runs. */
  key: string | undefined;
  /**
   * Whose key it is (the verified token's subject). Keys are per caller, as Stripe's are per
   * account: another caller's request under the same key is simply a new request, so it can
   * neither receive the first caller's response nor learn (from a 409/422) that the key was used.
   */
  callerId: number;
  /** The operation the key is scoped to, e.g. `POST /cars/7/allocations`. */
  scope: string;
  body: unknown;
  ttlHours: number;
}

/**
 * Runs a creating operation at most once per Idempotency-Key. The key is claimed, the operation
 * runs and its response is stored in one transaction, so either all of it happens or none: a
 * failed attempt (4xx, overlap, crash) leaves the key free and a retry runs it afresh. The same
 * caller's retry with the same key and body gets the stored response; a different body is
 * refused with 422.
 */
export async function idempotent(
  db: Kysely<DB>,
  request: IdempotencyRequest,
  operation: (db: Kysely<DB>) => Promise<StoredResponse>,
): Promise<Outcome> {
  const { key } = request;
  if (key === undefined) return { ...(await operation(db)), replayed: false };
  const requestHash = hashBody(request.body);
  const id = { callerId: request.callerId, scope: request.scope, key };
  return db.transaction().execute(async (trx) => {
    const claimed = await claimKey(trx, { ...id, requestHash, ttlHours: request.ttlHours });
    if (!claimed) {
      const earlier = await findKey(trx, id);
      if (earlier?.request_hash !== requestHash) {
        throw new HttpProblem(
          422,
          `Idempotency-Key ${JSON.stringify(key)} was already used for ${request.scope} with a different body; use a new key for a new request`,
          { idempotencyKey: key },
        );
      }
      if (earlier.status === null) {
        // Not reachable while claim and store share a transaction (a concurrent claim waits for
        // the first to end); kept so a future change cannot replay nothing. An invariant broken
        // is a 500, not a documented answer.
        throw new Error(`Idempotency-Key ${JSON.stringify(key)} is claimed but holds no response`);
      }
      return { status: earlier.status, body: earlier.response, replayed: true };
    }
    const response = await operation(trx);
    await storeResponse(trx, { ...id, status: response.status, body: response.body });
    return { ...response, replayed: false };
  });
}

/** A digest of the body that ignores key order, so `{a,b}` and `{b,a}` are the same request. */
export function hashBody(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
