-- Labels managed through the API (webapp.labels).
-- 1. Names are unique per tenant ignoring case ("VIP" and "vip" are one label). The old
--    case-sensitive unique (tenant_id, name) stays: it is implied by the new index and callers
--    may name it in ON CONFLICT.
-- 2. Colours are "#rrggbb" (lower case), what the dashboard's label chip accepts.
-- 3. A conversation can only carry a label of its own tenant. Foreign keys are checked without
--    row-level security, so `label_id references labels (id)` let a tenant-A row name tenant B's
--    label or conversation (0011 explains the same hole for devices). conversation_labels now
--    references (tenant_id, conversation_id) and (tenant_id, label_id); ON DELETE CASCADE stays.
-- 4. An index by label for the list filter, the per-label counts and the cascade on label delete.

-- Refuse a database that already breaks the new rules (only raw SQL could create labels before
-- this file); such rows need a person to decide which label or tenant is right.
do $$
declare
    bad text;
begin
    select string_agg(format('%s: %s', what, n), ', ') into bad
    from (
        select 'labels whose names differ only in case' as what, count(*) as n
        from (select 1 from labels group by tenant_id, lower(name) having count(*) > 1) d
        union all
        select 'conversation labels of another tenant''s conversation', count(*)
        from conversation_labels cl join conversations c on c.id = cl.conversation_id
        where c.tenant_id <> cl.tenant_id
        union all
        select 'conversation labels naming another tenant''s label', count(*)
        from conversation_labels cl join labels l on l.id = cl.label_id
        where l.tenant_id <> cl.tenant_id
    ) counts
    where n > 0;
    if bad is not null then
        raise exception 'labels cannot be migrated (%); fix these rows first', bad;
    end if;
end
$$;

create unique index labels_tenant_lower_name_key on labels (tenant_id, lower(name));

update labels set color = lower(color) where color ~ '^#[0-9A-Fa-f]{6}$' and color <> lower(color);
update labels set color = '#64748b' where color !~ '^#[0-9a-f]{6}$';
alter table labels add constraint labels_color_check check (color ~ '^#[0-9a-f]{6}$');

alter table labels add constraint labels_tenant_id_id_key unique (tenant_id, id);
alter table conversations add constraint conversations_tenant_id_id_key unique (tenant_id, id);

alter table conversation_labels drop constraint conversation_labels_conversation_id_fkey,
    drop constraint conversation_labels_label_id_fkey,
    add constraint conversation_labels_conversation_fkey foreign key (tenant_id, conversation_id)
        references conversations (tenant_id, id) on delete cascade,
    add constraint conversation_labels_label_fkey foreign key (tenant_id, label_id)
        references labels (tenant_id, id) on delete cascade;

create index conversation_labels_label_idx on conversation_labels (tenant_id, label_id);
