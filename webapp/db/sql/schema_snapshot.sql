-- The catalog read by webapp.db.schema_snapshot: the application's own objects only (the
-- schemas the migrations create; nothing owned by an extension).

-- name: select_schemas
select n.nspname as name
from pg_namespace n
where n.nspname not like 'pg\_%' and n.nspname <> 'information_schema'
  and not exists (select 1 from pg_depend d
                  where d.classid = 'pg_namespace'::regclass and d.objid = n.oid
                    and d.deptype = 'e')
order by n.nspname;

-- name: select_extensions
select e.extname as name, n.nspname as schema
from pg_extension e join pg_namespace n on n.oid = e.extnamespace
where e.extname <> 'plpgsql'
order by e.extname;

-- name: select_types
select n.nspname as schema, t.typname as name, t.typtype as kind,
       case t.typtype
           when 'e' then (select string_agg(quote_literal(e.enumlabel), ', '
                                            order by e.enumsortorder)
                          from pg_enum e where e.enumtypid = t.oid)
           when 'd' then format_type(t.typbasetype, t.typtypmod)
       end as definition
from pg_type t join pg_namespace n on n.oid = t.typnamespace
where n.nspname = any(%(schemas)s) and t.typtype in ('e', 'd')
  and not exists (select 1 from pg_depend d where d.objid = t.oid and d.deptype = 'e')
order by n.nspname, t.typname;

-- name: select_tables
select c.oid, n.nspname as schema, c.relname as name, c.relkind as kind,
       c.relpersistence = 'u' as unlogged,
       c.relrowsecurity as rls, c.relforcerowsecurity as force_rls,
       case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid, true) end as view_sql
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any(%(schemas)s) and c.relkind in ('r', 'p', 'v', 'm')
  and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e')
order by n.nspname, c.relname;

-- name: select_columns
select a.attrelid as table_oid, a.attname as name,
       format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null,
       pg_get_expr(ad.adbin, ad.adrelid) as default_sql, a.attidentity as identity,
       a.attgenerated as generated
from pg_attribute a
left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
where a.attrelid = any(%(oids)s) and a.attnum > 0 and not a.attisdropped
order by a.attrelid, a.attnum;

-- name: select_constraints
select con.conrelid as table_oid, con.conname as name, pg_get_constraintdef(con.oid) as definition
from pg_constraint con
where con.conrelid = any(%(oids)s) and con.contype in ('p', 'u', 'f', 'c', 'x')
order by con.conrelid, con.contype, con.conname;

-- name: select_indexes
select i.indrelid as table_oid, ic.relname as name, pg_get_indexdef(i.indexrelid) as definition
from pg_index i join pg_class ic on ic.oid = i.indexrelid
where i.indrelid = any(%(oids)s)
  and not exists (select 1 from pg_constraint con where con.conindid = i.indexrelid
                  and con.conrelid = i.indrelid)
order by i.indrelid, ic.relname;

-- name: select_policies
select p.polrelid as table_oid, p.polname as name, p.polpermissive as permissive,
       case p.polcmd when 'r' then 'select' when 'a' then 'insert' when 'w' then 'update'
                     when 'd' then 'delete' else 'all' end as command,
       coalesce((select string_agg(case r when 0 then 'public' else pg_get_userbyid(r) end,
                                   ', ' order by 1)
                 from unnest(p.polroles) r), 'public') as roles,
       pg_get_expr(p.polqual, p.polrelid) as using_sql,
       pg_get_expr(p.polwithcheck, p.polrelid) as check_sql
from pg_policy p
where p.polrelid = any(%(oids)s)
order by p.polrelid, p.polname;

-- name: select_triggers
select t.tgrelid as table_oid, t.tgname as name, pg_get_triggerdef(t.oid) as definition
from pg_trigger t
where t.tgrelid = any(%(oids)s) and not t.tgisinternal
order by t.tgrelid, t.tgname;

-- name: select_grants
select c.oid as table_oid, a.grantee::regrole::text as grantee,
       string_agg(a.privilege_type, ', ' order by a.privilege_type) as privileges
from pg_class c, aclexplode(c.relacl) a
where c.oid = any(%(oids)s) and a.grantee <> 0 and a.grantee <> c.relowner
group by c.oid, a.grantee
order by c.oid, 2;

-- name: select_column_grants
select a.attrelid as table_oid, a.attname as column_name, x.grantee::regrole::text as grantee,
       string_agg(x.privilege_type, ', ' order by x.privilege_type) as privileges
from pg_attribute a, aclexplode(a.attacl) x
where a.attrelid = any(%(oids)s) and a.attacl is not null and x.grantee <> 0
group by a.attrelid, a.attnum, a.attname, x.grantee
order by a.attrelid, a.attnum, 3;

-- name: select_functions
select n.nspname as schema, p.proname as name,
       pg_get_function_identity_arguments(p.oid) as args,
       pg_get_functiondef(p.oid) as definition,
       p.prosecdef as security_definer
from pg_proc p join pg_namespace n on n.oid = p.pronamespace
where n.nspname = any(%(schemas)s) and p.prokind in ('f', 'p')
  and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
order by n.nspname, p.proname, 3;

-- name: select_text_search_configs
select n.nspname as schema, c.cfgname as name, parser.prsname as parser,
       (select string_agg(distinct dict.dictname, ', ' order by dict.dictname)
        from pg_ts_config_map m join pg_ts_dict dict on dict.oid = m.mapdict
        where m.mapcfg = c.oid) as dictionaries
from pg_ts_config c
join pg_namespace n on n.oid = c.cfgnamespace
join pg_ts_parser parser on parser.oid = c.cfgparser
where n.nspname = any(%(schemas)s)
order by n.nspname, c.cfgname;

-- name: select_text_search_dicts
select n.nspname as schema, d.dictname as name, t.tmplname as template,
       coalesce(d.dictinitoption, '') as options
from pg_ts_dict d
join pg_namespace n on n.oid = d.dictnamespace
join pg_ts_template t on t.oid = d.dicttemplate
where n.nspname = any(%(schemas)s)
  and not exists (select 1 from pg_depend dep where dep.objid = d.oid and dep.deptype = 'e')
order by n.nspname, d.dictname;
