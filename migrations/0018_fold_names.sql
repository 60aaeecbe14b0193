-- Accent-insensitive name matching for the conversations `q` filter: `jose` finds "José".
--
-- Migration 0016 made message text search ignore accents; the filter also matches the
-- conversation title and the contact's names with ILIKE, which still compared accents. mf_fold
-- strips them with the unaccent extension when 0016 could install it, and is the identity
-- otherwise (the same fallback as mf_search). It is declared IMMUTABLE, as unaccent's own docs
-- suggest for a wrapper with a fixed dictionary, so the planner may fold it for the pattern.
-- mf_fold depends on the extension without pg_depend recording it (its body is a string), so
-- dropping unaccent breaks it.

do $$
declare
    ext_schema name;
begin
    select n.nspname into ext_schema
    from pg_extension e join pg_namespace n on n.oid = e.extnamespace
    where e.extname = 'unaccent';
    if ext_schema is null then
        create function mf_fold(t text) returns text
            language sql immutable strict parallel safe
            as 'select t';
    else
        execute format(
            'create function mf_fold(t text) returns text language sql immutable strict '
            'parallel safe as %L',
            format('select %I.unaccent(%L::regdictionary, t)', ext_schema,
                   quote_ident(ext_schema) || '.unaccent'));
        -- The body names the schema at each call, as the caller: the app role must reach it
        -- (public already can; an `extensions` schema made by an administrator may not be).
        execute format('grant usage on schema %I to messageflow_app', ext_schema);
    end if;
end
$$;

grant execute on function mf_fold(text) to messageflow_app;
