-- Names and message order follow WhatsApp time, not arrival order (history sync and offline
-- delivery bring older records after newer ones).
--
-- 1. A contact's push name is the one carried by the newest record that names them:
--    push_name_at keeps that record's WhatsApp timestamp, and a name replaces the stored one
--    only when mf_name_newer says it is newer. A group's subject works the same way
--    (conversations.title_at). A direct chat's title is its contact's name.
-- 2. A conversation's messages are listed by (sent_at, id), newest first, with a keyset cursor
--    on both: messages_conversation_time_idx serves it (messages_conversation_idx, by id, stays
--    for the after_id catch-up, which follows arrival order).
-- 3. Direct chats are found by contact when a contact's name or identifiers change:
--    conversations_contact_idx.

alter table contacts add column push_name_at timestamptz;
alter table conversations add column title_at timestamptz;

-- Whether name p (taken from a record at p_at) should replace name q (from q_at): p is a name,
-- and q is none or older. Equal times are settled by the name itself in byte order (collation
-- "C", the order Python's str comparison gives too), so every arrival order ends on one name.
-- A time of NULL (rows from before this migration) counts as older than any record.
create function mf_name_newer(p text, p_at timestamptz, q text, q_at timestamptz)
    returns boolean
    language sql immutable
    as $$
    select p is not null
           and (q is null
                or (coalesce(p_at, '-infinity'::timestamptz), p collate "C")
                   > (coalesce(q_at, '-infinity'::timestamptz), q collate "C"))
    $$;
grant execute on function mf_name_newer(text, timestamptz, text, timestamptz)
    to messageflow_app;

-- Existing contacts: the newest name their stored messages carry (what ingest now keeps).
update contacts c set push_name = n.sender_name, push_name_at = n.sent_at
from (select distinct on (m.sender_contact_id) m.sender_contact_id, m.sender_name, m.sent_at
      from messages m
      where m.sender_contact_id is not null and not m.from_me and m.sender_name is not null
      order by m.sender_contact_id, m.sent_at desc, m.sender_name collate "C" desc) n
where c.id = n.sender_contact_id;

-- Existing direct chats take their contact's name; a group's subject dates from its latest
-- message (the subject itself is not stored per message), so only newer ones replace it.
update conversations c set title = ct.push_name
from contacts ct
where ct.id = c.contact_id and not c.is_group and ct.push_name is not null
  and c.title is distinct from ct.push_name;
update conversations set title_at = last_message_at where is_group and title <> '';

create index messages_conversation_time_idx
    on messages (tenant_id, conversation_id, sent_at desc, id desc);
create index conversations_contact_idx on conversations (tenant_id, contact_id);
