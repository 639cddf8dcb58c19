-- Every change to resources and allocations is announced on the channel `fleet_changes`, by
-- triggers, so that no write path (an API call on any replica, a hand-written statement) can
-- forget to. pg_notify is transactional: listeners hear of a change once it commits, never of
-- one rolled back. The payload names the change only (ids and type); listeners read the rows,
-- because a row can exceed NOTIFY's 8000-byte payload limit.
create function fleet_resource_changed() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    perform pg_notify('fleet_changes', json_build_object(
      'event', 'resource.created', 'type', new.type, 'id', new.id)::text);
  else
    perform pg_notify('fleet_changes', json_build_object(
      'event', 'resource.deleted', 'type', old.type, 'id', old.id)::text);
  end if;
  return null;
end $$;

create trigger resources_changed after insert or delete on resources
  for each row execute function fleet_resource_changed();

create function fleet_allocation_changed() returns trigger language plpgsql as $$
declare
  resource_type text;
  changed allocations;
begin
  if tg_op = 'INSERT' then changed := new; else changed := old; end if;
  select type into resource_type from resources where id = changed.resource_id;
  -- Bookings deleted along with their resource (force): `resource.deleted` says it all.
  if resource_type is null then return null; end if;
  perform pg_notify('fleet_changes', json_build_object(
    'event', case when tg_op = 'INSERT' then 'allocation.created' else 'allocation.deleted' end,
    'type', resource_type, 'id', changed.id, 'resourceId', changed.resource_id)::text);
  return null;
end $$;

create trigger allocations_changed after insert or delete on allocations
  for each row execute function fleet_allocation_changed();
