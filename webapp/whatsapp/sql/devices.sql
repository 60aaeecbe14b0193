-- name: insert_device
-- A new device of the current tenant, waiting for the gateway to start pairing it.
insert into devices (tenant_id, kind, display_name, pair_phone, status)
values (mf_current_tenant(), %(kind)s, %(display_name)s, %(pair_phone)s, 'pending')
returning id, mf_device_json(devices) as device

-- name: list_devices
-- The current tenant's devices, oldest first (removed ones are not the team's any more).
select mf_device_json(d) as device from devices d where d.removed_at is null order by d.id

-- name: select_device
-- One device of the current tenant, serialized (not a removed one).
select mf_device_json(d) as device from devices d where d.id = %(id)s and d.removed_at is null

-- name: select_qr
-- The pairing QR payload of a device still pairing.
select qr_payload from devices
where id = %(id)s and qr_payload is not null and status in ('pending', 'pairing')

-- name: select_pair_code
-- The phone-number pairing code of a device still pairing.
select pair_code, pair_phone from devices
where id = %(id)s and pair_code is not null and status in ('pending', 'pairing')

-- name: mark_removed
-- An admin removed the number: logged out (the gateway unlinks it) and out of the lists.
update devices
set status = 'logged_out', qr_payload = null, pair_code = null, removed_at = now(),
    updated_at = now()
where id = %(id)s and removed_at is null
returning mf_device_json(devices) as device

-- name: mark_logged_out
-- An admin removed the device: the gateway logs it out when it next looks.
update devices
set status = 'logged_out', qr_payload = null, pair_code = null, updated_at = now(),
    last_error = coalesce(%(reason)s, last_error)
where id = %(id)s
returning mf_device_json(devices) as device

-- name: insert_device_event
-- A whatsapp.device event. Events carry ids (plus small extras such as why the device changed);
-- mf_event_frame serializes the device when the feed reads the event.
insert into events (tenant_id, type, data)
values (mf_current_tenant(), 'whatsapp.device', %(data)s)
returning id

-- name: gateway_devices
-- Every tenant's devices that the gateway should serve (SECURITY DEFINER, system context).
select id, tenant_id, kind, jid, status from mf_gateway_devices()

-- name: select_device_spec
-- What the gateway needs to start a device.
select id, kind, jid, status, pair_phone, display_name, created_at from devices where id = %(id)s

-- name: select_last_simulated
-- The newest simulated message of a simulator device (ids SIM-<device>-<n>, n zero-padded, so
-- the greatest id is the latest message).
select wa_message_id from messages
where device_id = %(device_id)s and wa_message_id like %(prefix)s
order by wa_message_id desc
limit 1

-- name: apply_status
-- A status change reported by the gateway. A device an admin logged out stays logged out, and an
-- outdated client stays outdated when its connection then drops. A QR or pairing code lives only
-- while its connection does (keep_qr is false when the connection failed). Returns nothing when
-- the row did not change, so repeated reports write no events. A gateway process that no longer
-- holds the device (another one has a live lease on it) writes nothing: its report is stale.
with cur as (
    select id, status = 'outdated' and %(status)s = 'disconnected' as keep
    from devices d where d.id = %(id)s and d.status <> 'logged_out'
      and (%(holder)s::uuid is null
           or not exists (select 1 from device_leases l
                          where l.tenant_id = d.tenant_id and l.device_id = d.id
                            and l.holder <> %(holder)s::uuid and l.lease_until > now()))
    for update
), next as (
    select cur.id,
           case when keep then d.status else %(status)s end as status,
           coalesce(%(jid)s, d.jid) as jid,
           case when %(status)s = 'pairing' and (%(qr)s::text is not null or %(keep_qr)s::boolean)
                then coalesce(%(qr)s, d.qr_payload) end as qr,
           case when %(status)s = 'pairing' and %(keep_qr)s::boolean then d.pair_code
                end as pair_code,
           case when keep then d.last_error else %(error)s end as last_error
    from cur join devices d on d.id = cur.id
)
update devices d
set status = n.status, jid = n.jid, pair_code = n.pair_code, last_error = n.last_error,
    qr_payload = n.qr,
    qr_updated_at = case when n.qr is not null and n.qr is distinct from d.qr_payload
                         then now() else d.qr_updated_at end,
    last_seen = case when n.status = 'connected' then now() else d.last_seen end,
    updated_at = now()
from next n
where d.id = n.id
  and (d.status, d.jid, d.qr_payload, d.pair_code, d.last_error)
      is distinct from (n.status, n.jid, n.qr, n.pair_code, n.last_error)
returning d.id

-- name: store_pair_code
-- The code WhatsApp gave for pairing by phone number.
update devices set pair_code = %(code)s, status = 'pairing', updated_at = now()
where id = %(id)s and status in ('pending', 'pairing')
returning id

-- name: select_quoted
-- The message a reply quotes: who wrote it and what it said.
select m.sender_jid, m.from_me, coalesce(m.text, m.media ->> 'caption') as text, c.chat_jid
from messages m join conversations c on c.id = m.conversation_id
where m.device_id = %(device_id)s and m.wa_message_id = %(wa_id)s
