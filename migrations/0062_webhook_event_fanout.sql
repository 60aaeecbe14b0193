-- Outbound webhooks receive the tenant's real events (webapp.integrations).
--
-- A webhook integration subscribes to event types (config.events: names, or "*" for all).
-- Whatever appends to `events` (ingest, analysis, the desk, workflows...) also queues one
-- delivery per subscribed active webhook, in the same statement and transaction: nothing is
-- sent for work that rolls back, and no writer has to remember to call anything. The payload
-- is the event's frame data (the REST shape, mf_event_frame) at that moment. Per-user events
-- (for_user_id: a notification) are private and never fanned out. A `delivery.failed` event is
-- not sent to the integration whose delivery failed, and failures of deliveries of
-- `delivery.failed` itself raise no new event (webapp/integrations/queue.py), so two failing
-- receivers cannot feed each other. One statement-level trigger with a transition table: a
-- tenant without webhooks costs one index probe per inserting statement.

create index integrations_webhooks_idx on integrations (tenant_id)
    where type = 'webhook' and active and deleted_at is null;

create function mf_fan_out_events() returns trigger
    language plpgsql
    as $$
begin
    insert into deliveries (tenant_id, integration_id, channel, event_type, source, message_id,
                            payload, summary)
    select e.tenant_id, i.id, 'webhook', e.type, 'event',
           'msg_' || replace(gen_random_uuid()::text, '-', ''),
           mf_event_frame(e), e.type || ' #' || coalesce(e.data ->> 'id', '?')
    from new_events e
    join integrations i
      on i.tenant_id = e.tenant_id and i.type = 'webhook' and i.active
         and i.deleted_at is null
         and (i.config -> 'events' ? '*' or i.config -> 'events' ? e.type)
    where e.for_user_id is null
      and not (e.type = 'delivery.failed'
               and (e.data ->> 'integration_id') is not distinct from i.id::text)
    order by e.id, i.id;
    return null;
end
$$;

create trigger events_fan_out_to_webhooks after insert on events
    referencing new table as new_events
    for each statement execute function mf_fan_out_events();
