-- Note 001's table, kept by name and by its two text columns so the queries its users know keep
-- working in the SQL console; the rest records who asked, which engine answered and how fast.
create table translations (
  id bigint generated always as identity primary key,
  text_de text not null,
  text_en text not null,
  engine text not null,
  chars integer not null check (chars >= 0),
  ms integer not null check (ms >= 0),
  owner_id bigint,
  owner text,
  created_at timestamptz not null default now(),
  -- 'simple' (no stemming) because the column mixes German and English; the two-argument
  -- to_tsvector is immutable, as a generated column needs. Only the first 100,000 characters of
  -- each text are indexed: a tsvector holds at most 1 MB of lexemes, and a 1 MB text of unique
  -- tokens would otherwise make the insert itself fail.
  search tsvector generated always as (
    to_tsvector('simple', left(text_de, 100000) || ' ' || left(text_en, 100000))
  ) stored
);

create index translations_search_idx on translations using gin (search);
-- The list is newest first with an id cursor; the primary key serves it. Owners filter deletes.
create index translations_owner_idx on translations (owner_id);

-- The SQL console's privileges: a NOLOGIN role that may only read this table. A login role for
-- the console (CONSOLE_DATABASE_URL) is made a member of it by the database administrator (the
-- Compose init script); embedded PGlite switches to it with SET LOCAL ROLE. Roles are
-- cluster-wide, so another database may already have created it. A migrating role without
-- CREATEROLE cannot create it: then only a notice, and the console stays unavailable until the
-- administrator creates it.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'translation_console_reader') then
    begin
      create role translation_console_reader nologin;
    exception when insufficient_privilege then
      raise notice 'role translation_console_reader not created (the migrating role lacks CREATEROLE); create it as an administrator: CREATE ROLE translation_console_reader NOLOGIN';
    end;
  end if;
  if exists (select 1 from pg_roles where rolname = 'translation_console_reader') then
    begin
      execute format('grant usage on schema %I to translation_console_reader', current_schema());
      grant select on translations to translation_console_reader;
    exception when insufficient_privilege then
      raise notice 'could not grant the console role its privileges; as the table owner run: GRANT USAGE ON SCHEMA % TO translation_console_reader; GRANT SELECT ON translations TO translation_console_reader', current_schema();
    end;
  end if;
end
$$;
