-- name: list_responses
-- The tenant's canned responses by shortcut, optionally those whose shortcut, title or text
-- contain %(q)s (ignoring case).
select id, shortcut, title, body, created_by, updated_by,
       mf_ts(created_at) as created_at, mf_ts(updated_at) as updated_at
from canned_responses
where %(q)s::text is null
   or shortcut ilike '%%' || %(q)s || '%%' or title ilike '%%' || %(q)s || '%%'
   or body ilike '%%' || %(q)s || '%%'
order by shortcut
limit %(limit)s

-- name: get_response
select id, shortcut, title, body, created_by, updated_by,
       mf_ts(created_at) as created_at, mf_ts(updated_at) as updated_at
from canned_responses where id = %(id)s

-- name: insert_response
insert into canned_responses (tenant_id, shortcut, title, body, created_by, updated_by)
values (mf_current_tenant(), %(shortcut)s, %(title)s, %(body)s, %(user_id)s, %(user_id)s)
on conflict (tenant_id, shortcut) do nothing
returning id

-- name: lock_response
select id, shortcut, title, body from canned_responses where id = %(id)s for update

-- name: shortcut_clash
-- Another response of the tenant with this shortcut.
select 1 from canned_responses where shortcut = %(shortcut)s and id <> %(id)s

-- name: update_response
update canned_responses
set shortcut = %(shortcut)s, title = %(title)s, body = %(body)s, updated_by = %(user_id)s,
    updated_at = now()
where id = %(id)s

-- name: delete_response
delete from canned_responses where id = %(id)s returning id, shortcut, title, body

-- name: render_context
-- What the variables of a response are filled with, for one conversation of the tenant.
select c.title as conversation_title,
       coalesce(k.display_name, k.push_name) as contact_name,
       coalesce(k.phone_jid, case when not c.is_group and c.chat_jid like '%%@s.whatsapp.net'
                                  then c.chat_jid end) as contact_jid,
       c.is_group,
       (select u.email from users u where u.id = %(user_id)s) as agent_email
from conversations c left join contacts k on k.id = c.contact_id
where c.id = %(conversation_id)s
