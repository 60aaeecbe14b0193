-- name: lock_device
-- The device a request is for (locked: its status decides whether it may be asked); a removed
-- device is no longer the team's to ask about.
select id, status, kind from devices where id = %(id)s and removed_at is null for update

-- name: open_request
-- A request of this kind for the device that has not finished yet (asking twice joins it).
select mf_device_request_json(r) as request from device_requests r
where r.device_id = %(device_id)s and r.kind = %(kind)s and r.state in ('pending', 'running')
order by r.id limit 1

-- name: insert_request
insert into device_requests (tenant_id, device_id, kind, requested_by)
values (mf_current_tenant(), %(device_id)s, %(kind)s, %(user_id)s)
returning mf_device_request_json(device_requests) as request

-- name: select_request
select mf_device_request_json(r) as request from device_requests r where r.id = %(id)s

-- name: claim_requests
-- The device's open requests the gateway may run now: pending ones, and running ones whose
-- lease ran out (the process that claimed them died); each counted and leased to the caller.
-- A pending request's lease_until is when a retry is due.
update device_requests r
set state = 'running', attempts = r.attempts + 1,
    lease_until = now() + make_interval(secs => %(lease)s)
where r.id in (
    select id from device_requests
    where device_id = %(device_id)s
      and state in ('pending', 'running') and coalesce(lease_until, now()) <= now()
    order by id
    limit %(limit)s
    for update skip locked)
returning r.id, r.device_id, r.kind, r.attempts

-- name: retry_request
-- A failed attempt: pending again, due after a pause.
update device_requests
set state = 'pending', error = %(error)s, lease_until = now() + make_interval(secs => %(delay)s)
where id = %(id)s and state = 'running' and attempts = %(attempts)s
returning id

-- name: finish_request
-- The outcome of a claimed request, and its contacts.synced event (the request as the API
-- shows it).
with done as (
    update device_requests
    set state = %(state)s, result = %(result)s, error = %(error)s, finished_at = now(),
        lease_until = null
    where id = %(id)s and state = 'running' and attempts = %(attempts)s
    returning *
)
insert into events (tenant_id, type, data)
select mf_current_tenant(), 'contacts.synced', mf_device_request_json(d)
from done d
returning id

-- name: fill_address_book
-- The phone's address book into contacts: a saved name where the team has none (a name the
-- team edited is never overwritten), new contacts for numbers nobody wrote from yet. Returns
-- the contacts that got a name.
with book as (
    select distinct on (u.jid) u.jid, u.name, u.push
    from unnest(%(jids)s::text[], %(names)s::text[], %(pushes)s::text[]) as u(jid, name, push)
    order by u.jid
),
added as (
    insert into contacts (tenant_id, phone_jid, display_name, push_name)
    select mf_current_tenant(), b.jid, b.name, b.push
    from book b
    where b.jid like '%%@s.whatsapp.net'
      and not exists (select 1 from contacts k where k.phone_jid = b.jid)
    on conflict do nothing
    returning id
),
named as (
    update contacts k
    set display_name = b.name, updated_at = now()
    from book b
    where (k.phone_jid = b.jid or k.lid_jid = b.jid)
      and k.display_name is null and b.name is not null
    returning k.id
)
select (select count(*) from added)::int as added,
       coalesce((select array_agg(id) from named), '{}') as named

-- name: retitle_named
-- Direct chats of contacts that just got a saved name take it; conversation.updated for each.
with changed as (
    update conversations c
    set title = k.display_name, updated_at = now()
    from contacts k
    where k.id = any(%(ids)s) and c.contact_id = k.id and not c.is_group
      and k.display_name is not null and c.title is distinct from k.display_name
    returning c.id
)
insert into events (tenant_id, type, data)
select mf_current_tenant(), 'conversation.updated', jsonb_build_object('id', id) from changed
