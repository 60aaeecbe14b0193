-- Labels on single messages (issue 13): "this is the invoice", "complaint" on the message that
-- says so, with the same labels the conversations use. Rows reference (tenant_id, message_id)
-- and (tenant_id, label_id), so a row can never join one tenant's message to another's label
-- (foreign keys are checked without row-level security; see 0012).
alter table messages add constraint messages_tenant_id_id_key unique (tenant_id, id);

create table message_labels (
    tenant_id bigint not null references tenants (id) on delete cascade,
    message_id bigint not null,
    label_id bigint not null,
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null default now(),
    primary key (message_id, label_id),
    foreign key (tenant_id, message_id) references messages (tenant_id, id) on delete cascade,
    foreign key (tenant_id, label_id) references labels (tenant_id, id) on delete cascade
);
create index message_labels_label_idx on message_labels (tenant_id, label_id);
alter table message_labels enable row level security;
alter table message_labels force row level security;
create policy message_labels_tenant on message_labels
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- A message's labels by name, as the API shows them ([] when none).
create function mf_message_labels(p_message_id bigint)
returns jsonb language sql stable as $$
    select coalesce(jsonb_agg(jsonb_build_object('id', l.id, 'name', l.name, 'color', l.color)
                              order by l.name), '[]'::jsonb)
    from message_labels ml join labels l on l.id = ml.label_id
    where ml.message_id = p_message_id
$$;
grant execute on function mf_message_labels(bigint) to messageflow_app;

create or replace function mf_message_json_of(m messages, p_quoted_message_id bigint,
                                              p_reactions jsonb)
returns jsonb language sql stable as $$
    select jsonb_build_object(
        'id', m.id, 'conversation_id', m.conversation_id, 'device_id', m.device_id,
        'wa_message_id', m.wa_message_id, 'sender_jid', m.sender_jid,
        'sender_contact_id', m.sender_contact_id, 'sender_name', m.sender_name,
        'from_me', m.from_me, 'timestamp', mf_ts(m.sent_at),
        'text', case when m.revoked_at is null then m.text end,
        'media', case when m.revoked_at is null then m.media end,
        'quoted_wa_id', m.quoted_wa_id,
        'quoted_message_id', p_quoted_message_id,
        'forwarded', m.forwarded, 'status', m.status,
        'edited_at', mf_ts(m.edited_at), 'revoked_at', mf_ts(m.revoked_at),
        'delivered_at', mf_ts(m.delivered_at), 'read_at', mf_ts(m.read_at),
        'reactions', p_reactions,
        'sent_by', mf_sent_by_json(m),
        'labels', mf_message_labels(m.id))
$$;
