import { principalOf, type ServiceApp } from '@flotilla/kit';
import { idempotent } from '../domain/idempotency.js';
import { requireId } from '../domain/ids.js';
import { parsePeriod } from '../domain/period.js';
import {
  availableResourcesPage,
  checkStorable,
  createResource,
  deleteResource,
  getResource,
  listResourcesPage,
} from '../domain/resources.js';
import type { ResourceType } from '../resource-types.js';
import { type FleetDeps, sendOutcome } from './context.js';
import {
  AvailableQuery,
  CreateResourceBody,
  DeleteQuery,
  IdempotencyHeaders,
  ListQuery,
  pageOf,
  ResourceParams,
  ResourceSchema,
} from './schemas.js';

/** `/<plural>`: register, list, find available, get and delete resources of one type. */
export function resourceRoutes(app: ServiceApp, type: ResourceType, deps: FleetDeps): void {
  const base = `/${type.plural}`;
  const tags = [type.plural];
  const labels = { type: type.name };

  app.post(
    base,
    {
      schema: {
        tags,
        summary: `Register a ${type.name}`,
        headers: IdempotencyHeaders,
        body: CreateResourceBody,
        response: { 201: ResourceSchema },
      },
    },
    async (request, reply) => {
      checkStorable(request.body, 'body');
      const outcome = await idempotent(
        deps.db,
        {
          key: request.headers['idempotency-key'],
          callerId: principalOf(request).userId,
          scope: `POST ${base}`,
          body: request.body,
          ttlHours: deps.idempotencyTtlHours,
        },
        async (db) => ({ status: 201, body: await createResource(db, type, request.body) }),
      );
      if (!outcome.replayed) deps.metrics.resourcesCreated.inc(labels);
      return sendOutcome(reply, outcome);
    },
  );

  app.get(
    base,
    {
      schema: {
        tags,
        summary: `List ${type.plural}, oldest first`,
        querystring: ListQuery,
        response: { 200: pageOf(ResourceSchema) },
      },
    },
    async (request) => listResourcesPage(deps.db, type, request.query),
  );

  app.get(
    `${base}/available`,
    {
      schema: {
        tags,
        summary: `The ${type.plural} free for the whole period [from, to)`,
        querystring: AvailableQuery,
        response: { 200: pageOf(ResourceSchema) },
      },
    },
    async (request) => {
      const { from, to, ...page } = request.query;
      const period = parsePeriod(from, to, { start: 'querystring.from', end: 'querystring.to' });
      return availableResourcesPage(deps.db, type, period, page);
    },
  );

  app.get(
    `${base}/:id`,
    {
      schema: {
        tags,
        summary: `Get a ${type.name}`,
        params: ResourceParams,
        response: { 200: ResourceSchema },
      },
    },
    async (request) => getResource(deps.db, type, requireId(type, request.params.id)),
  );

  app.delete(
    `${base}/:id`,
    {
      schema: {
        tags,
        summary: `Delete a ${type.name}; 409 while it has allocations that have not ended, unless force=true`,
        params: ResourceParams,
        querystring: DeleteQuery,
      },
    },
    async (request, reply) => {
      const id = requireId(type, request.params.id);
      await deleteResource(deps.db, type, id, request.query.force);
      deps.metrics.resourcesDeleted.inc(labels);
      return reply.code(204).send();
    },
  );
}
