import type { FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Outcome } from '../domain/idempotency.js';
import type { FleetMetrics } from '../metrics.js';

/** What the fleet's route handlers need: passed in, never global. */
export interface FleetDeps {
  db: Kysely<DB>;
  metrics: FleetMetrics;
  idempotencyTtlHours: number;
}

/** Sends a created (or replayed) response; a replay is marked so clients and logs can tell. */
export function sendOutcome(reply: FastifyReply, outcome: Outcome) {
  if (outcome.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(outcome.status).send(outcome.body);
}
