import { Page, ProblemSchema, pageQuery, type TSchema, Type } from '@flotilla/kit';
import { PLURALS, RESOURCE_TYPES } from '../resource-types.js';

const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339 timestamp with an offset' });
const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });

const slotRules = RESOURCE_TYPES.flatMap((type) =>
  type.kind === 'interval' ? [`${type.plural}: whole ${type.slotMinutes}-minute slots`] : [],
);

/** The `{type}` path parameter: fleet's one list of resource types, as an enum. */
export const ResourceTypeParam = Type.String({
  enum: [...PLURALS],
  description: `The resource type (${slotRules.length ? `bookable for any period, except ${slotRules.join('; ')}` : 'bookable for any period'})`,
});

export const ResourceSchema = Type.Object({
  id: Id,
  type: Type.String({
    enum: RESOURCE_TYPES.map((type) => type.name),
    description: 'The singular of the `{type}` it was registered under',
  }),
  name: Type.String(),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Timestamp,
});

export const AllocationSchema = Type.Object({
  id: Id,
  resourceId: Id,
  start: Timestamp,
  end: Type.String({ format: 'date-time', description: 'Exclusive end: [start, end)' }),
  holder: Type.Union([Type.String(), Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
});

export const CreateResourceBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  attributes: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), { maxProperties: 64, description: 'Free-form JSON object' }),
  ),
});

export const CreateAllocationBody = Type.Object({
  start: Timestamp,
  end: Type.String({ format: 'date-time', description: 'Exclusive end: [start, end)' }),
  holder: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  note: Type.Optional(Type.String({ maxLength: 2000 })),
  allowPast: Type.Optional(
    Type.Boolean({
      description:
        'Book even though the period starts in the past (a start within the last minute counts as now); without it such a booking is refused with 422',
    }),
  ),
});

export const ResourcePage = Page(ResourceSchema);
export const AllocationPage = Page(AllocationSchema);

const page = pageQuery({ defaultLimit: 50, maxLimit: 200 });

export const ListQuery = Type.Object(page);

/** No query parameters: an unknown one is refused with 400 naming it. */
export const NoQuery = Type.Object({});

export const AvailableQuery = Type.Object({ from: Timestamp, to: Timestamp, ...page });

export const AllocationsQuery = Type.Object({
  from: Type.Optional(Timestamp),
  to: Type.Optional(Timestamp),
  ...page,
});

export const DeleteQuery = Type.Object({
  force: Type.Boolean({ default: false, description: 'Also delete bookings that have not ended' }),
});

// Ids are taken as text and parsed by the handler, so a malformed id is a 404 like any other
// id that names nothing, not a 400.
const PathId = (description: string) => Type.String({ description });
export const TypeParams = Type.Object({ type: ResourceTypeParam });
export const ResourceParams = Type.Object({ type: ResourceTypeParam, id: PathId('The resource id') });
export const AllocationParams = Type.Object({
  type: ResourceTypeParam,
  id: PathId('The resource id'),
  aid: PathId('The allocation id'),
});

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]+$',
      description:
        "Retrying with the same key and body returns the first response and creates nothing new; keys are per caller, so another caller's key is never answered",
    }),
  ),
});

export const Deleted = Type.Null({ description: 'Deleted' });

/** A success response's schema with the description the OpenAPI document shows for it. */
export const answer = <T extends object>(description: string, schema: T): T => ({ ...schema, description });

/**
 * A problem document with members of its own: kit's problem members, then these. Responses are
 * serialised by their schema, so every member a client reads is listed here.
 */
const problemWith = <Members extends Parameters<typeof Type.Object>[0]>(description: string, members: Members) =>
  Type.Object({ ...ProblemSchema.properties, ...members }, { description });

export const NotFoundProblem = problemWith('No such resource of this type, or no such allocation of it', {
  resourceType: Type.String({ description: 'The singular of `{type}`, e.g. `car`' }),
  resourceId: Type.String({ description: 'The resource id as given in the path' }),
  allocationId: Type.Optional(Type.String({ description: 'The allocation id as given in the path' })),
});

export const BookingConflictProblem = problemWith(
  'The period overlaps bookings of this resource: `conflicts` lists them (at most 20), earliest first',
  {
    resourceType: Type.String(),
    resourceId: Id,
    requested: Type.Object({ start: Timestamp, end: Timestamp }, { description: 'The period asked for, in UTC' }),
    conflicts: Type.Array(AllocationSchema),
  },
);

export const NameTakenProblem = problemWith(
  'The type has a resource of that name already, in any case: `errors` names `body.name`, `resourceId` the one that has it',
  {
    resourceType: Type.String(),
    resourceId: Type.Optional(Id),
  },
);

export const ResourceInUseProblem = problemWith(
  'The resource has bookings that have not ended: `conflicts` lists them (at most 100), earliest first; `force=true` deletes them too',
  {
    resourceType: Type.String(),
    resourceId: Id,
    unendedCount: Type.Integer({ minimum: 1, description: 'How many bookings have not ended' }),
    conflicts: Type.Array(AllocationSchema),
  },
);

export const SlotProblem = problemWith(
  'The request is not valid: `errors` names each field; a period that is not whole slots also gives the rule and the nearest valid period',
  {
    slotMinutes: Type.Optional(Type.Integer({ description: 'The slot length of this type' })),
    validSlotBoundaries: Type.Optional(Type.String({ description: 'Where slots start, in words' })),
    covering: Type.Optional(
      Type.Object(
        { start: Timestamp, end: Timestamp },
        { description: 'The smallest period of whole slots covering the one asked for, in UTC' },
      ),
    ),
  },
);

/** A booking's 422: its start is in the past (`reason: 'past'`), or its Idempotency-Key was used with another body. */
export const BookingRefusedProblem = problemWith(
  'The booking starts in the past (`reason: "past"`, `errors` naming `body.start`; send `allowPast: true` to book it anyway), or its Idempotency-Key was already used by this caller with another body (`idempotencyKey`)',
  {
    reason: Type.Optional(Type.Literal('past')),
    now: Type.Optional(Type.String({ format: 'date-time', description: "The server's clock when it refused, in UTC" })),
    graceSeconds: Type.Optional(
      Type.Integer({ description: 'How far in the past a start may be and still count as now' }),
    ),
    idempotencyKey: Type.Optional(Type.String()),
  },
);

export const IdempotencyProblem = problemWith(
  'The Idempotency-Key was already used by this caller for this operation with another body',
  { idempotencyKey: Type.String() },
);

const streamEvent = (name: string, data: TSchema) =>
  Type.Object({ event: Type.Literal(name), data }, { additionalProperties: false });

/**
 * `GET /{type}/events`, one server-sent event at a time (`event:` its name, `data:` its JSON):
 * `ready` once the subscription is live, then every change to the type's resources and bookings.
 */
export const FleetEventsResponse = {
  description:
    '`ready` {} once the subscription is live (changes committed after it are all delivered, from every replica), ' +
    'then `allocation.created` (the Allocation), `allocation.deleted` {id, resourceId}, `resource.created` ' +
    '(the Resource) and `resource.deleted` {id} for resources of this type, in the order they committed ' +
    '(one deleted again before its `created` went out arrives as its `deleted` only). ' +
    'A comment line every 15 s keeps proxies from closing it. The stream never ends by itself: when it is cut ' +
    '(a restart, a lost database connection) changes may have been missed, so reconnect (`retry:` says when) ' +
    'and read the state again after `ready`.',
  content: {
    'text/event-stream': {
      schema: Type.Union(
        [
          streamEvent('ready', Type.Object({})),
          streamEvent('allocation.created', AllocationSchema),
          streamEvent('allocation.deleted', Type.Object({ id: Id, resourceId: Id })),
          streamEvent('resource.created', ResourceSchema),
          streamEvent('resource.deleted', Type.Object({ id: Id })),
        ],
        { description: 'One server-sent event' },
      ),
    },
  },
};
