-- Fleet: resources of a declared type, and their allocations over half-open periods.
-- The no-overlap rule lives here, in an exclusion constraint, so no interleaving of
-- requests (or a hand-written INSERT) can create two overlapping allocations of one resource.
create extension if not exists btree_gist;

create table resources (
  id integer generated always as identity primary key,
  -- One of the types declared in src/resource-types.ts; the code, not the schema, owns that list
  -- so that adding a type is one line and no migration.
  type text not null check (type ~ '^[a-z][a-z0-9_]*$'),
  name text not null check (length(name) between 1 and 200),
  attributes jsonb not null default '{}'::jsonb check (jsonb_typeof(attributes) = 'object'),
  created_at timestamptz not null default now()
);
create index resources_type_id on resources (type, id);

create table allocations (
  id integer generated always as identity primary key,
  -- Deleting a resource (with ?force=true) takes its allocations with it.
  resource_id integer not null references resources (id) on delete cascade,
  -- Always '[start, end)': back-to-back bookings touch but do not overlap.
  period tstzrange not null,
  holder text,
  note text,
  created_at timestamptz not null default now(),
  constraint allocations_period_bounded check (
    not isempty(period) and not lower_inf(period) and not upper_inf(period)
    and lower_inc(period) and not upper_inc(period)
  ),
  constraint allocations_no_overlap exclude using gist (resource_id with =, period with &&)
);

-- Responses to POSTs that carried an Idempotency-Key, so a retry gets the first answer.
create table idempotency_keys (
  scope text not null,
  key text not null,
  request_hash text not null,
  status integer,
  response jsonb,
  created_at timestamptz not null default now(),
  primary key (scope, key)
);
create index idempotency_keys_created_at on idempotency_keys (created_at);
