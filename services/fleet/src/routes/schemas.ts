import { Type } from '@flotilla/kit';

const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339 timestamp with an offset' });

export const ResourceSchema = Type.Object({
  id: Type.Integer(),
  type: Type.String(),
  name: Type.String(),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Timestamp,
});

export const AllocationSchema = Type.Object({
  id: Type.Integer(),
  resourceId: Type.Integer(),
  start: Timestamp,
  end: Timestamp,
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
});

export const pageOf = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page; null on the last page',
    }),
  });

const pageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
};

export const ListQuery = Type.Object(pageQuery);

export const AvailableQuery = Type.Object({ from: Timestamp, to: Timestamp, ...pageQuery });

export const AllocationsQuery = Type.Object({
  from: Type.Optional(Timestamp),
  to: Type.Optional(Timestamp),
  ...pageQuery,
});

export const DeleteQuery = Type.Object({
  force: Type.Boolean({ default: false, description: 'Also delete allocations that have not ended' }),
});

// Ids are taken as text and parsed by the handler, so a malformed id is a 404 like any other
// id that names nothing, not a 400.
export const ResourceParams = Type.Object({ id: Type.String() });
export const AllocationParams = Type.Object({ id: Type.String(), aid: Type.String() });

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
