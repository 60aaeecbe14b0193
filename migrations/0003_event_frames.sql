-- Events carry ids, not snapshots: writers store {"id": <entity id>} (plus small refs) and the
-- realtime feed builds each frame's data with mf_event_frame(), re-reading the entity under the
-- reader's tenant context with the same serializers as the REST API. Later migrations extend the
-- dispatch with `create or replace function mf_event_frame`.

create or replace function mf_event_frame(e events) returns jsonb
    language sql stable
    as $$
    select coalesce(
        case
            when e.type like 'message.%' then
                (select mf_message_json(m) from messages m where m.id = (e.data ->> 'id')::bigint)
            when e.type like 'conversation.%' then
                (select mf_conversation_json(c) from conversations c
                 where c.id = (e.data ->> 'id')::bigint)
            when e.type = 'whatsapp.device' then
                (select mf_device_json(d) || coalesce(e.data - 'id', '{}'::jsonb)
                 from devices d where d.id = (e.data ->> 'id')::bigint)
        end,
        e.data)
    $$;
grant execute on function mf_event_frame(events) to messageflow_app;

-- Cheaper timestamps for the serializers (to_char was the hot spot of mf_message_json).
create or replace function mf_ts(t timestamptz) returns text
    language sql immutable
    as $$ select (to_jsonb(t at time zone 'UTC') #>> '{}') || 'Z' $$;
