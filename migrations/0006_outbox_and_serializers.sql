-- Sending, and cheaper list serializers.
-- A forward remembers its source message (the gateway forwards the original, with its
-- WhatsApp id), and the outbox is claimed against a given clock with a given lease, so retries
-- and backoff can be driven (and tested) without waiting for wall time.

alter table outbox add column source_message_id bigint references messages (id) on delete set null;

-- Claims due sends across tenants: marks them 'sending', counts the attempt and leases them
-- until p_now + p_lease_seconds (an abandoned claim becomes due again after the lease).
create function mf_claim_outbox(p_limit integer, p_now timestamptz, p_lease_seconds integer)
    returns table (id bigint, tenant_id bigint, device_id bigint, message_id bigint,
                   attempts integer)
    language sql volatile security definer set search_path = public, pg_temp
    as $$
    with due as (
        select id from outbox
        where status in ('queued', 'sending') and next_attempt_at <= coalesce(p_now, now())
        order by next_attempt_at, id
        limit p_limit
        for update skip locked)
    update outbox o set status = 'sending', attempts = o.attempts + 1, updated_at = now(),
                        next_attempt_at = coalesce(p_now, now())
                                          + make_interval(secs => p_lease_seconds)
    from due where o.id = due.id
    returning o.id, o.tenant_id, o.device_id, o.message_id, o.attempts
    $$;

grant execute on function mf_claim_outbox(integer, timestamptz, integer) to messageflow_app;

-- Timestamps: the same text, declared STABLE (what to_jsonb is) so the planner inlines it into
-- the serializers instead of calling a function five times per row.
create or replace function mf_ts(t timestamptz) returns text
    language sql stable
    as $$ select (to_jsonb(t at time zone 'UTC') #>> '{}') || 'Z' $$;

-- The serializers, split so lists are cheap (same output as before). A SQL function whose body
-- has sub-selects is never inlined, so calling mf_message_json(m) per row paid an executor
-- start-up per row (about 3x the cost of the page itself). Now:
--   mf_*_refs(row)            the related data (sub-selects), a table function that the planner
--                             inlines into a LATERAL join, so list queries run it as part of
--                             their own plan;
--   mf_*_json_of(row, refs)   the shape, a plain expression, inlined too;
--   mf_*_json(row)            = mf_*_json_of(row, mf_*_refs(row)), for single rows and frames.
-- To change a shape, change mf_*_json_of (and mf_*_refs for related data), never mf_*_json
-- alone: the list endpoints call the two parts directly (a test compares both paths).
create function mf_message_refs(m messages)
    returns table (quoted_message_id bigint, reactions jsonb)
    language sql stable
    as $$
    select (select q.id from messages q where q.tenant_id = m.tenant_id
            and q.device_id = m.device_id and q.wa_message_id = m.quoted_wa_id),
           coalesce((select jsonb_agg(jsonb_build_object('emoji', r.emoji,
                                                         'sender_jid', r.reactor_jid)
                                      order by r.reacted_at)
                     from message_reactions r
                     where r.message_id = m.id and r.emoji <> ''), '[]'::jsonb)
    $$;

create function mf_message_json_of(m messages, p_quoted_message_id bigint, p_reactions jsonb)
    returns jsonb
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
        'quoted_message_id', p_quoted_message_id,
        'forwarded', m.forwarded, 'status', m.status,
        'edited_at', mf_ts(m.edited_at), 'revoked_at', mf_ts(m.revoked_at),
        'delivered_at', mf_ts(m.delivered_at), 'read_at', mf_ts(m.read_at),
        'reactions', p_reactions)
    $$;

create or replace function mf_message_json(m messages) returns jsonb
    language sql stable
    as $$
    select mf_message_json_of(m, r.quoted_message_id, r.reactions) from mf_message_refs(m) r
    $$;

create function mf_conversation_refs(c conversations)
    returns table (last_message jsonb, labels jsonb)
    language sql stable
    as $$
    select (select jsonb_build_object(
                'id', m.id, 'from_me', m.from_me, 'sender_name', m.sender_name,
                'timestamp', mf_ts(m.sent_at),
                'preview', case when m.revoked_at is not null then null
                                else left(coalesce(m.text, m.media ->> 'caption',
                                                   '[' || (m.media ->> 'type') || ']'),
                                          140) end)
            from messages m where m.id = c.last_message_id),
           coalesce((select jsonb_agg(jsonb_build_object('id', l.id, 'name', l.name,
                                                         'color', l.color) order by l.name)
                     from conversation_labels cl join labels l on l.id = cl.label_id
                     where cl.conversation_id = c.id), '[]'::jsonb)
    $$;

create function mf_conversation_json_of(c conversations, p_last_message jsonb, p_labels jsonb)
    returns jsonb
    language sql stable
    as $$
    select jsonb_build_object(
        'id', c.id, 'device_id', c.device_id, 'chat_jid', c.chat_jid, 'is_group', c.is_group,
        'contact_id', c.contact_id, 'title', c.title, 'status', c.status,
        'assignee_id', c.assignee_id, 'priority', c.priority,
        'snoozed_until', mf_ts(c.snoozed_until), 'unread_count', c.unread_count,
        'last_message_at', mf_ts(c.last_message_at),
        'last_message', p_last_message,
        'labels', p_labels,
        'created_at', mf_ts(c.created_at), 'updated_at', mf_ts(c.updated_at))
    $$;

create or replace function mf_conversation_json(c conversations) returns jsonb
    language sql stable
    as $$
    select mf_conversation_json_of(c, r.last_message, r.labels) from mf_conversation_refs(c) r
    $$;

grant execute on function mf_message_refs(messages),
    mf_message_json_of(messages, bigint, jsonb), mf_conversation_refs(conversations),
    mf_conversation_json_of(conversations, jsonb, jsonb) to messageflow_app;
