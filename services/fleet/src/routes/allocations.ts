import { fieldPath, HttpProblem, invalidField, principalOf, type ServiceApp } from '@flotilla/kit';
import {
  bookAllocation,
  deleteAllocation,
  getAllocation,
  listAllocationsPage,
  reportOverlaps,
} from '../domain/allocations.js';
import { idempotent } from '../domain/idempotency.js';
import { allocationNotFound, parseId, requireId } from '../domain/ids.js';
import { PAST_GRACE_MS, parseInstant, parsePeriod } from '../domain/period.js';
import { checkStorable } from '../domain/resources.js';
import type { AllocationView } from '../domain/views.js';
import { RESOURCE_TYPES, type ResourceType, TYPE_PARAM } from '../resource-types.js';
import { type FleetDeps, sendOutcome, typeOf } from './context.js';
import {
  AllocationPage,
  answer,
  AllocationParams,
  AllocationSchema,
  AllocationsQuery,
  BookingConflictProblem,
  BookingRefusedProblem,
  CreateAllocationBody,
  Deleted,
  IdempotencyHeaders,
  NotFoundProblem,
  ResourceParams,
  SlotProblem,
} from './schemas.js';

const tags = ['allocations'];

const slotRules = RESOURCE_TYPES.flatMap((type) =>
  type.kind === 'interval'
    ? [`${type.plural} only in whole ${type.slotMinutes}-minute slots aligned to the slot length`]
    : [],
).join('; ');

/** `/{type}/{id}/allocations`: book, list, get and cancel periods of one resource, each operation once for every type. */
export function allocationRoutes(app: ServiceApp, deps: FleetDeps): void {
  const base = `/${TYPE_PARAM}/:id/allocations`;

  app.post(
    base,
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Book a resource for [start, end); 409 lists the bookings in the way',
        description:
          `A start more than ${PAST_GRACE_MS / 1000} s in the past is refused (422, \`reason: "past"\`) unless \`allowPast\` is true.` +
          (slotRules ? ` Any period may be booked, except: ${slotRules}.` : ''),
        params: ResourceParams,
        headers: IdempotencyHeaders,
        body: CreateAllocationBody,
        response: {
          201: answer('Booked', AllocationSchema),
          400: SlotProblem,
          404: NotFoundProblem,
          409: BookingConflictProblem,
          422: BookingRefusedProblem,
        },
      },
    },
    async (request, reply) => {
      const type = typeOf(request.params);
      const labels = { type: type.name };
      const resourceId = requireId(type, request.params.id);
      checkStorable(request.body, 'body');
      const period = parsePeriod(request.body.start, request.body.end);
      const booking = {
        period,
        holder: request.body.holder ?? null,
        note: request.body.note ?? null,
        allowPast: request.body.allowPast ?? false,
      };
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
        if (!outcome.replayed) {
          deps.metrics.allocationsCreated.inc(labels);
          const { id } = outcome.body as AllocationView;
          deps.changes.announce({ event: 'allocation.created', type: type.name, id, resourceId });
        }
        return sendOutcome(reply, outcome);
      } catch (error) {
        if (error instanceof HttpProblem && error.status === 409) deps.metrics.allocationConflicts.inc(labels);
        throw error;
      }
    },
  );

  app.get(
    base,
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: "A resource's bookings overlapping [from, to) (either may be omitted), by start",
        params: ResourceParams,
        querystring: AllocationsQuery,
        response: { 200: answer('A page of bookings, by start', AllocationPage), 404: NotFoundProblem },
      },
    },
    async (request) => {
      const type = typeOf(request.params);
      const resourceId = requireId(type, request.params.id);
      const { from, to, ...page } = request.query;
      const fromField = fieldPath('query', 'from');
      const toField = fieldPath('query', 'to');
      const filter = {
        from: from === undefined ? undefined : parseInstant(fromField, from),
        to: to === undefined ? undefined : parseInstant(toField, to),
      };
      if (filter.from && filter.to && filter.to.getTime() <= filter.from.getTime()) {
        throw invalidField(toField, `must be after ${fromField}`);
      }
      return listAllocationsPage(deps.db, type, resourceId, filter, page);
    },
  );

  const allocationIds = (type: ResourceType, params: { id: string; aid: string }) => {
    const resourceId = requireId(type, params.id);
    const allocationId = parseId(params.aid);
    if (allocationId === undefined) throw allocationNotFound(type, resourceId, params.aid);
    return { resourceId, allocationId };
  };

  app.get(
    `${base}/:aid`,
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'Get one booking of a resource',
        params: AllocationParams,
        response: { 200: answer('The booking', AllocationSchema), 404: NotFoundProblem },
      },
    },
    async (request) => {
      const type = typeOf(request.params);
      const { resourceId, allocationId } = allocationIds(type, request.params);
      return getAllocation(deps.db, type, resourceId, allocationId);
    },
  );

  app.delete(
    `${base}/:aid`,
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Cancel a booking of a resource',
        params: AllocationParams,
        response: { 204: Deleted, 404: NotFoundProblem },
      },
    },
    async (request, reply) => {
      const type = typeOf(request.params);
      const { resourceId, allocationId } = allocationIds(type, request.params);
      await deleteAllocation(deps.db, type, resourceId, allocationId);
      deps.metrics.allocationsDeleted.inc({ type: type.name });
      deps.changes.announce({ event: 'allocation.deleted', type: type.name, id: allocationId, resourceId });
      return reply.code(204).send(null);
    },
  );
}
