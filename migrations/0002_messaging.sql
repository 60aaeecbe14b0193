-- Messaging: devices (paired WhatsApp numbers), contacts, conversations, messages with edit
-- history and reactions, message operations (edits/revokes/reactions/receipts, kept until their
-- message arrives), the outbox of sends, labels, and the SQL serializers shared by the REST API
-- and the realtime feed.

create function mf_ts(t timestamptz) returns text
    language sql immutable
    as $$ select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;
grant execute on function mf_ts(timestamptz) to messageflow_app;

create table devices (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    kind text not null check (kind in ('neonize', 'simulator')),
    jid text,
    display_name text not null default '',
    status text not null default 'pending'
        check (status in ('pending', 'pairing', 'connected', 'disconnected', 'logged_out',
                          'outdated')),
    pair_phone text,
    qr_payload text,
    qr_updated_at timestamptz,
    last_seen timestamptz,
    last_error text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
-- A WhatsApp number belongs to exactly one tenant.
create unique index devices_jid_key on devices (jid) where jid is not null;
create index devices_tenant_idx on devices (tenant_id);
alter table devices enable row level security;
alter table devices force row level security;
create policy devices_tenant on devices
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- One person with several identifiers (phone JID, LID), so a switch to LID addressing
-- keeps one contact.
create table contacts (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    phone_jid text,
    lid_jid text,
    push_name text,
    display_name text,
    last_seen_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check (phone_jid is not null or lid_jid is not null)
);
create unique index contacts_phone_key on contacts (tenant_id, phone_jid);
create unique index contacts_lid_key on contacts (tenant_id, lid_jid);
alter table contacts enable row level security;
alter table contacts force row level security;
create policy contacts_tenant on contacts
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table conversations (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    device_id bigint not null references devices (id) on delete cascade,
    -- 'g:<group jid>' for groups, 'c:<contact id>' for direct chats (stable across LID switches)
    chat_key text not null,
    chat_jid text not null,
    is_group boolean not null,
    contact_id bigint references contacts (id) on delete set null,
    title text not null default '',
    status text not null default 'open'
        check (status in ('open', 'pending', 'resolved', 'snoozed')),
    assignee_id bigint references users (id) on delete set null,
    priority text not null default 'normal'
        check (priority in ('urgent', 'high', 'normal', 'low')),
    snoozed_until timestamptz,
    last_message_at timestamptz,
    last_message_id bigint,
    unread_count integer not null default 0 check (unread_count >= 0),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (tenant_id, device_id, chat_key)
);
create index conversations_activity_idx
    on conversations (tenant_id, last_message_at desc nulls last, id desc);
create index conversations_assignee_idx on conversations (tenant_id, assignee_id);
alter table conversations enable row level security;
alter table conversations force row level security;
create policy conversations_tenant on conversations
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table messages (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    device_id bigint not null references devices (id) on delete cascade,
    conversation_id bigint not null references conversations (id) on delete cascade,
    wa_message_id text not null,
    sender_jid text not null,
    sender_contact_id bigint references contacts (id) on delete set null,
    sender_name text,
    from_me boolean not null default false,
    sent_at timestamptz not null,
    original_text text,
    text text,
    media jsonb,
    quoted_wa_id text,
    forwarded boolean not null default false,
    status text not null default 'received'
        check (status in ('received', 'queued', 'sending', 'sent', 'delivered', 'read',
                          'failed')),
    edited_at timestamptz,
    revoked_at timestamptz,
    delivered_at timestamptz,
    read_at timestamptz,
    created_at timestamptz not null default now(),
    search tsvector generated always as (
        to_tsvector('simple', coalesce(text, '') || ' ' || coalesce(media ->> 'caption', ''))
    ) stored,
    unique (tenant_id, device_id, wa_message_id)
);
create index messages_conversation_idx on messages (tenant_id, conversation_id, id desc);
create index messages_search_idx on messages using gin (search);
alter table messages enable row level security;
alter table messages force row level security;
create policy messages_tenant on messages
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table message_versions (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    message_id bigint not null references messages (id) on delete cascade,
    op_id text not null,
    text text not null,
    edited_at timestamptz not null,
    unique (message_id, op_id)
);
alter table message_versions enable row level security;
alter table message_versions force row level security;
create policy message_versions_tenant on message_versions
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table message_reactions (
    tenant_id bigint not null references tenants (id) on delete cascade,
    message_id bigint not null references messages (id) on delete cascade,
    reactor_jid text not null,
    emoji text not null,  -- '' = removed (kept so an older reaction cannot come back)
    reacted_at timestamptz not null,
    primary key (message_id, reactor_jid)
);
alter table message_reactions enable row level security;
alter table message_reactions force row level security;
create policy message_reactions_tenant on message_reactions
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- Edits, revokes, reactions and receipts by their own id: applied once; those whose message
-- has not arrived yet wait here (applied_at is null) and are applied when it does.
create table message_ops (
    tenant_id bigint not null references tenants (id) on delete cascade,
    device_id bigint not null references devices (id) on delete cascade,
    op_id text not null,
    kind text not null check (kind in ('edit', 'revoke', 'reaction', 'receipt')),
    target_wa_id text not null,
    record jsonb not null,
    applied_at timestamptz,
    created_at timestamptz not null default now(),
    primary key (tenant_id, device_id, kind, op_id, target_wa_id)
);
create index message_ops_pending_idx on message_ops (tenant_id, device_id, target_wa_id)
    where applied_at is null;
alter table message_ops enable row level security;
alter table message_ops force row level security;
create policy message_ops_tenant on message_ops
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table outbox (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    message_id bigint not null references messages (id) on delete cascade,
    device_id bigint not null references devices (id) on delete cascade,
    kind text not null check (kind in ('text', 'forward')),
    status text not null default 'queued'
        check (status in ('queued', 'sending', 'sent', 'failed')),
    attempts integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_error text,
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index outbox_due_idx on outbox (next_attempt_at) where status in ('queued', 'sending');
alter table outbox enable row level security;
alter table outbox force row level security;
create policy outbox_tenant on outbox
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table labels (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    name text not null check (length(name) between 1 and 50),
    color text not null default '#64748b',
    created_at timestamptz not null default now(),
    unique (tenant_id, name)
);
alter table labels enable row level security;
alter table labels force row level security;
create policy labels_tenant on labels
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create table conversation_labels (
    tenant_id bigint not null references tenants (id) on delete cascade,
    conversation_id bigint not null references conversations (id) on delete cascade,
    label_id bigint not null references labels (id) on delete cascade,
    primary key (conversation_id, label_id)
);
alter table conversation_labels enable row level security;
alter table conversation_labels force row level security;
create policy conversation_labels_tenant on conversation_labels
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- The one serializer of a message (REST responses and realtime frames share it).
create function mf_message_json(m messages) returns jsonb
    language sql stable
    as $$
    select jsonb_build_object(
        'id', m.id, 'conversation_id', m.conversation_id, 'device_id', m.device_id,
        'wa_message_id', m.wa_message_id, 'sender_jid', m.sender_jid,
        'sender_contact_id', m.sender_contact_id, 'sender_name', m.sender_name,
        'from_me', m.from_me, 'timestamp', mf_ts(m.sent_at),
        'text', case when m.revoked_at is null then m.text end,
        'media', case when m.revoked_at is null then m.media end,
        'quoted_wa_id', m.quoted_wa_id,
        'quoted_message_id', (select q.id from messages q where q.tenant_id = m.tenant_id
                              and q.device_id = m.device_id and q.wa_message_id = m.quoted_wa_id),
        'forwarded', m.forwarded, 'status', m.status,
        'edited_at', mf_ts(m.edited_at), 'revoked_at', mf_ts(m.revoked_at),
        'delivered_at', mf_ts(m.delivered_at), 'read_at', mf_ts(m.read_at),
        'reactions', coalesce((select jsonb_agg(jsonb_build_object(
                                   'emoji', r.emoji, 'sender_jid', r.reactor_jid)
                                   order by r.reacted_at)
                               from message_reactions r
                               where r.message_id = m.id and r.emoji <> ''), '[]'::jsonb))
    $$;

-- The one serializer of a conversation row (list rows carry a preview and labels).
create function mf_conversation_json(c conversations) returns jsonb
    language sql stable
    as $$
    select jsonb_build_object(
        'id', c.id, 'device_id', c.device_id, 'chat_jid', c.chat_jid, 'is_group', c.is_group,
        'contact_id', c.contact_id, 'title', c.title, 'status', c.status,
        'assignee_id', c.assignee_id, 'priority', c.priority,
        'snoozed_until', mf_ts(c.snoozed_until), 'unread_count', c.unread_count,
        'last_message_at', mf_ts(c.last_message_at),
        'last_message', (select jsonb_build_object(
                             'id', m.id, 'from_me', m.from_me, 'sender_name', m.sender_name,
                             'timestamp', mf_ts(m.sent_at),
                             'preview', case when m.revoked_at is not null then null
                                             else left(coalesce(m.text, m.media ->> 'caption',
                                                                '[' || (m.media ->> 'type') || ']'),
                                                       140) end)
                         from messages m where m.id = c.last_message_id),
        'labels', coalesce((select jsonb_agg(jsonb_build_object('id', l.id, 'name', l.name,
                                                                'color', l.color) order by l.name)
                            from conversation_labels cl join labels l on l.id = cl.label_id
                            where cl.conversation_id = c.id), '[]'::jsonb),
        'created_at', mf_ts(c.created_at), 'updated_at', mf_ts(c.updated_at))
    $$;

create function mf_device_json(d devices) returns jsonb
    language sql stable
    as $$
    select jsonb_build_object(
        'id', d.id, 'kind', d.kind, 'jid', d.jid, 'display_name', d.display_name,
        'status', d.status, 'has_qr', d.qr_payload is not null,
        'qr_updated_at', mf_ts(d.qr_updated_at), 'last_seen', mf_ts(d.last_seen),
        'last_error', d.last_error, 'created_at', mf_ts(d.created_at))
    $$;

grant execute on function mf_message_json(messages), mf_conversation_json(conversations),
    mf_device_json(devices) to messageflow_app;

-- The gateway process serves every tenant's devices: it lists them and claims due sends through
-- these two functions, then works inside each device's tenant.
create function mf_gateway_devices()
    returns table (id bigint, tenant_id bigint, kind text, jid text, status text)
    language sql stable security definer set search_path = public, pg_temp
    as $$ select id, tenant_id, kind, jid, status from devices
          where status <> 'logged_out' order by id $$;

create function mf_claim_outbox(p_limit integer)
    returns table (id bigint, tenant_id bigint, device_id bigint, message_id bigint,
                   attempts integer)
    language sql volatile security definer set search_path = public, pg_temp
    as $$
    update outbox o set status = 'sending', attempts = o.attempts + 1, updated_at = now(),
                        next_attempt_at = now() + interval '60 seconds'
    where o.id in (select id from outbox
                   where status in ('queued', 'sending') and next_attempt_at <= now()
                   order by next_attempt_at, id
                   limit p_limit
                   for update skip locked)
    returning o.id, o.tenant_id, o.device_id, o.message_id, o.attempts
    $$;

grant execute on function mf_gateway_devices(), mf_claim_outbox(integer) to messageflow_app;
