-- What each column of translations holds, for the SQL console's column list (GET /sql/schema reads
-- these comments from the catalog, so they are written once, here).
comment on table translations is 'Every stored translation, newest with the highest id';
comment on column translations.id is 'the translation''s number, as in /history/{id}';
comment on column translations.text_de is 'the German text as sent, layout kept';
comment on column translations.text_en is 'its English translation';
comment on column translations.engine is 'which engine translated it: bergamot (neural) or dictionary (fallback)';
comment on column translations.chars is 'characters (code points) of text_de';
comment on column translations.ms is 'how long the translation took, in milliseconds';
comment on column translations.owner_id is 'the user id of who asked for it (null: unknown)';
comment on column translations.owner is 'their username then';
comment on column translations.created_at is 'when it was stored';
comment on column translations.search is 'full-text index of both texts: search @@ websearch_to_tsquery(''simple'', ''…'')';
