import type { ColumnType, Generated } from 'kysely';

/** JSON object columns: written as JSON text, read back parsed. */
export type JsonObject = Record<string, unknown>;

export interface ResourcesTable {
  id: Generated<number>;
  type: string;
  name: string;
  attributes: ColumnType<JsonObject, string, string>;
  created_at: ColumnType<Date, never, never>;
}

export interface AllocationsTable {
  id: Generated<number>;
  resource_id: number;
  /** A tstzrange; written with `tstzrange(...)`, read through lower()/upper(). */
  period: ColumnType<string, never, never>;
  holder: string | null;
  note: string | null;
  created_at: ColumnType<Date, never, never>;
}

export interface IdempotencyKeysTable {
  /** The user id (token subject) of the caller who sent the key. */
  caller_id: number;
  scope: string;
  key: string;
  request_hash: string;
  status: number | null;
  response: ColumnType<unknown, never, string>;
  created_at: ColumnType<Date, never, never>;
}

export interface DB {
  resources: ResourcesTable;
  allocations: AllocationsTable;
  idempotency_keys: IdempotencyKeysTable;
}
