-- Profile pictures (issue 13): the gateway fetches a contact's picture where WhatsApp allows
-- it into the media store (contacts.picture_key, checked again after a day: picture_checked_at)
-- and the API serves it at /contacts/{id}/avatar. Conversations say whether their contact has
-- one, so the list shows it (and initials otherwise) without asking for a missing picture.
create or replace function mf_conversation_json_of(c conversations, p_last_message jsonb,
                                                   p_labels jsonb)
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
        'has_picture', c.contact_id is not null and exists (
            select 1 from contacts k where k.id = c.contact_id and k.picture_key is not null),
        'created_at', mf_ts(c.created_at), 'updated_at', mf_ts(c.updated_at))
    $$;

-- The gateway's due picture checks: contacts by when they were last checked.
create index contacts_picture_due_idx on contacts (tenant_id, picture_checked_at nulls first);
