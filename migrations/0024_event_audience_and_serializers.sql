-- Two extension points of the realtime feed, for the domains that come next (desk, workspace,
-- admin screens, workflows):
--
-- 1. An event can be for one member only (`events.for_user_id`): a notification, a mention.
--    The feed delivers it to that member's sockets and replays it to no one else; NULL (every
--    event so far) means the whole tenant, as before.
-- 2. Event serializers are registered, not written into one function: a domain adds its
--    `mf_<entity>_json`-based frame function `(events) -> jsonb` and a row in
--    `event_serializers` naming the event types it serializes (a type prefix such as
--    'action_item.' or an exact type). `mf_event_frame` keeps the built-in kinds and otherwise
--    calls the registered function with the longest matching prefix; no later migration has to
--    re-create it (which would drop every kind it did not repeat). A type nobody registers
--    still frames as the event's own data, as before.

alter table events add column for_user_id bigint references users (id) on delete cascade;

create index events_for_user_idx on events (tenant_id, for_user_id, id) where for_user_id is not null;

create table event_serializers (
    type_prefix text primary key check (type_prefix <> ''),
    serializer regprocedure not null
);
comment on table event_serializers is
    'Event type (prefix) -> the function (events) -> jsonb that builds its frame data; see mf_event_frame.';
grant select on event_serializers to messageflow_app;

create or replace function mf_event_frame(e events) returns jsonb
    language plpgsql stable
    as $$
declare
    fn regprocedure;
    frame jsonb;
begin
    if e.type like 'message.%' then
        select mf_message_json(m) into frame from messages m where m.id = (e.data ->> 'id')::bigint;
    elsif e.type like 'conversation.%' then
        select mf_conversation_json(c) into frame from conversations c
        where c.id = (e.data ->> 'id')::bigint;
    elsif e.type = 'whatsapp.device' then
        select mf_device_json(d) || coalesce(e.data - 'id', '{}'::jsonb) into frame
        from devices d where d.id = (e.data ->> 'id')::bigint;
    elsif e.type = 'provider.health' then
        select mf_llm_health_json(p) into frame from llm_providers p
        where p.id = (e.data ->> 'id')::bigint and p.deleted_at is null;
    else
        select s.serializer into fn from event_serializers s
        where starts_with(e.type, s.type_prefix)
        order by length(s.type_prefix) desc
        limit 1;
        if fn is not null then
            -- regproc's text is the function's (quoted, qualified if needed) name: an
            -- identifier from the catalog, never a value; the event goes in as a parameter.
            execute format('select %s($1)', fn::regproc::text) into frame using e;
        end if;
    end if;
    return coalesce(frame, e.data);
end
$$;
grant execute on function mf_event_frame(events) to messageflow_app;
