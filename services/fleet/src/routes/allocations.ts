import { HttpProblem, principalOf, type ServiceApp } from '@flotilla/kit';
import {
  bookAllocation,
  deleteAllocation,
  getAllocation,
  listAllocationsPage,
  reportOverlaps,
} from '../domain/allocations.js';
import { idempotent } from '../domain/idempotency.js';
import { allocationNotFound, parseId, requireId } from '../domain/ids.js';
import { parseInstant, parsePeriod } from '../domain/period.js';
import { invalidField } from '../domain/problems.js';
import { checkStorable } from '../domain/resources.js';
import type { ResourceType } from '../resource-types.js';
import { type FleetDeps, sendOutcome } from './context.js';
import {
  AllocationParams,
  AllocationSchema,
  AllocationsQuery,
  CreateAllocationBody,
  IdempotencyHeaders,
  pageOf,
  ResourceParams,
} from './schemas.js';

/** `/<plural>/{id}/allocations`: book, list, get and cancel periods of one resource. */
export function allocationRoutes(app: ServiceApp, type: ResourceType, deps: FleetDeps): void {
  const base = `/${type.plural}/:id/allocations`;
  const tags = [type.plural];
  const labels = { type: type.name };
  const slotRule =
    type.kind === 'interval'
      ? ` Only whole ${type.slotMinutes}-minute slots aligned to the slot length.`
      : '';

  app.post(
    base,
    {
      schema: {
        tags,
        summary: `Book a ${type.name} for [start, end); 409 names the overlapping allocations.${slotRule}`,
        params: ResourceParams,
        headers: IdempotencyHeaders,
        body: CreateAllocationBody,
        response: { 201: AllocationSchema },
      },
    },
    async (request, reply) => {
      const resourceId = requireId(type, request.params.id);
      checkStorable(request.body, 'body');
      const period = parsePeriod(request.body.start, request.body.end);
      const booking = { period, holder: request.body.holder ?? null, note: request.body.note ?? null };
      try {
        const outcome = await reportOverlaps(deps.db, type, resourceId, period, () =>
          idempotent(
            deps.db,
            {
              key: request.headers['idempotency-key'],
              callerId: principalOf(request).userId,
              scope: `POST /${type.plural}/${resourceId}/allocations`,
              body: request.body,
              ttlHours: deps.idempotencyTtlHours,
            },
            async (db) => ({ status: 201, body: await bookAllocation(db, type, resourceId, booking) }),
          ),
        );
        if (!outcome.replayed) deps.metrics.allocationsCreated.inc(labels);
        return sendOutcome(reply, outcome);
      } catch (error) {
        if (error instanceof HttpProblem && error.status === 409)
          deps.metrics.allocationConflicts.inc(labels);
        throw error;
      }
    },
  );

  app.get(
    base,
    {
      schema: {
        tags,
        summary: `A ${type.name}'s allocations overlapping [from, to) (either may be omitted), by start`,
        params: ResourceParams,
        querystring: AllocationsQuery,
        response: { 200: pageOf(AllocationSchema) },
      },
    },
    async (request) => {
      const resourceId = requireId(type, request.params.id);
      const { from, to, ...page } = request.query;
      const filter = {
        from: from === undefined ? undefined : parseInstant('querystring.from', from),
        to: to === undefined ? undefined : parseInstant('querystring.to', to),
      };
      if (filter.from && filter.to && filter.to.getTime() <= filter.from.getTime()) {
        throw invalidField('querystring.to', 'must be after querystring.from');
      }
      return listAllocationsPage(deps.db, type, resourceId, filter, page);
    },
  );

  const allocationIds = (params: { id: string; aid: string }) => {
    const resourceId = requireId(type, params.id);
    const allocationId = parseId(params.aid);
    if (allocationId === undefined) throw allocationNotFound(type, resourceId, params.aid);
    return { resourceId, allocationId };
  };

  app.get(
    `${base}/:aid`,
    {
      schema: {
        tags,
        summary: `Get one allocation of a ${type.name}`,
        params: AllocationParams,
        response: { 200: AllocationSchema },
      },
    },
    async (request) => {
      const { resourceId, allocationId } = allocationIds(request.params);
      return getAllocation(deps.db, type, resourceId, allocationId);
    },
  );

  app.delete(
    `${base}/:aid`,
    {
      schema: {
        tags,
        summary: `Cancel an allocation of a ${type.name}`,
        params: AllocationParams,
      },
    },
    async (request, reply) => {
      const { resourceId, allocationId } = allocationIds(request.params);
      await deleteAllocation(deps.db, type, resourceId, allocationId);
      deps.metrics.allocationsDeleted.inc(labels);
      return reply.code(204).send();
    },
  );
}
