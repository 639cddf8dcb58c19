import type { FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { FleetChanges } from '../domain/changes.js';
import type { Outcome } from '../domain/idempotency.js';
import type { FleetMetrics } from '../metrics.js';
import { type ResourceType, typeByPlural } from '../resource-types.js';

/** What the fleet's route handlers need: passed in, never global. */
export interface FleetDeps {
  db: Kysely<DB>;
  metrics: FleetMetrics;
  idempotencyTtlHours: number;
  /** Every replica's changes, for the event streams. */
  changes: FleetChanges;
}

/** Sends a created (or replayed) response; a replay is marked so clients and logs can tell. */
export function sendOutcome(reply: FastifyReply, outcome: Outcome) {
  if (outcome.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(outcome.status).send(outcome.body);
}

/** The type `{type}` names: the route's pattern admits only the table's path segments. */
export function typeOf(params: { type: string }): ResourceType {
  const type = typeByPlural(params.type);
  if (!type) throw new Error(`the route matched ${params.type}, which is no resource type`);
  return type;
}

