-- Who sent a from-me message (issue 13, "who sent it"):
--   sent_by = 'agent'      a member replied or forwarded from the dashboard (sent_by_user_id);
--             'automation' a workflow or another automatic sender queued it;
--             'phone'      it was sent from the paired phone itself (it reached us by ingest);
--   null for messages the customer sent, and for from-me messages that arrived by ingest (the
--   hot path stores nothing extra): the serializers read a from-me null as 'phone'.
-- The API shows `sent_by` {kind, user_id, name} so bubbles and previews name the sender instead
-- of a generic "You".
alter table messages
    add column sent_by text,
    add column sent_by_user_id bigint references users (id) on delete set null,
    add constraint messages_sent_by_check check (
        (from_me and (sent_by is null or sent_by in ('agent', 'automation', 'phone')))
        or (not from_me and sent_by is null and sent_by_user_id is null)),
    add constraint messages_sent_by_user_check check (sent_by = 'agent' or sent_by_user_id is null);

-- Existing rows: a from-me message with an outbox row was queued by a member (or, without one,
-- by the system); every other from-me message came from the phone (null, read as 'phone').
update messages m set sent_by = case when o.created_by is not null then 'agent'
                                     else 'automation' end,
                      sent_by_user_id = o.created_by
from outbox o where o.message_id = m.id and m.from_me;

-- {kind, user_id, name} of a from-me message (the agent's name as it was when they sent it);
-- null for inbound.
create function mf_sent_by_json(m messages)
returns jsonb language sql stable as $$
    select case when not m.from_me then null
                else jsonb_build_object(
                    'kind', coalesce(m.sent_by, 'phone'), 'user_id', m.sent_by_user_id,
                    'name', case coalesce(m.sent_by, 'phone')
                                when 'agent' then coalesce(m.sender_name, 'A teammate')
                                when 'automation' then 'Automation'
                                else 'Phone' end) end
$$;

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
        'sent_by', mf_sent_by_json(m))
$$;

create or replace function mf_conversation_refs(c conversations)
returns table (last_message jsonb, labels jsonb) language sql stable as $$
    select (select jsonb_build_object(
                'id', m.id, 'from_me', m.from_me, 'sender_name', m.sender_name,
                'sent_by', mf_sent_by_json(m),
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

grant execute on function mf_sent_by_json(messages) to messageflow_app;
