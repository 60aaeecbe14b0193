-- name: find_item
-- Whether the action item is the tenant's.
select id, title, assignee_id, created_by from action_items where id = %(id)s

-- name: list_comments
-- A page of an item's comments, oldest first (a thread reads forward).
select c.id, mf_comment_json(c) as row
from action_item_comments c
where c.tenant_id = mf_current_tenant() and c.action_item_id = %(item_id)s
  and c.id > %(after_id)s
order by c.id
limit %(limit)s

-- name: insert_comment
-- A new comment with its resolved mentions.
insert into action_item_comments (tenant_id, action_item_id, author_id, body, mentions)
values (mf_current_tenant(), %(item_id)s, %(author_id)s, %(body)s, %(mentions)s)
returning id

-- name: get_comment
-- One comment, serialized.
select mf_comment_json(c) as row from action_item_comments c where c.id = %(id)s

-- name: lock_comment
-- One comment, locked while it is deleted.
select id, action_item_id, author_id, body from action_item_comments where id = %(id)s
for update

-- name: delete_comment
-- Remove a comment.
delete from action_item_comments where id = %(id)s

-- name: insert_comment_events
-- Realtime: the comment event, and action_item.updated (its comment count changed).
insert into events (tenant_id, type, data)
values (mf_current_tenant(), %(type)s,
        jsonb_build_object('id', %(id)s::bigint, 'action_item_id', %(item_id)s::bigint)),
       (mf_current_tenant(), 'action_item.updated', jsonb_build_object('id', %(item_id)s::bigint))
