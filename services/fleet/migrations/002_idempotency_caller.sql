-- Idempotency keys belong to the caller who sent them (the access token's subject, a user id) as
-- well as to the operation: another caller's request under the same key is a different request. It
-- must neither be answered with the first caller's response nor learn that the key was used.
-- Keys stored before carry no caller and cannot be attributed; they are dropped (a key is only
-- replayed for IDEMPOTENCY_TTL_HOURS anyway), so a retry across this upgrade runs afresh.
delete from idempotency_keys;
alter table idempotency_keys add column caller_id integer not null;
alter table idempotency_keys drop constraint idempotency_keys_pkey;
alter table idempotency_keys add primary key (caller_id, scope, key);
