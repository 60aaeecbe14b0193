-- name: list_members
-- The tenant's members with their names and e-mail addresses.
select u.id, u.name, u.email
from memberships m join users u on u.id = m.user_id
order by u.id
