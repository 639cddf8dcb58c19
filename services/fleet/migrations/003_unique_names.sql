-- Two cars both called "Golf-1" cannot be told apart in a list, a timeline or a booking: a name
-- is unique within its type, in any case. Names already taken more than once are told apart by
-- suffixing the later ones with their id (" (#12)"), so the upgrade never fails and nothing is lost.
update resources r set name = r.name || ' (#' || r.id || ')'
where exists (
  select 1 from resources earlier
  where earlier.type = r.type and lower(earlier.name) = lower(r.name) and earlier.id < r.id
);
create unique index resources_type_name_key on resources (type, lower(name));
