-- name: column_neighbours
-- The positions around index %(index)s of a column, the moving item left out: the one before
-- (offset index-1) and the one at the index, in column order.
select i.position from action_items i
where i.tenant_id = mf_current_tenant() and i.status = %(status)s and i.id <> %(id)s
order by i.position, i.id
offset greatest(%(index)s - 1, 0) limit 2

-- name: renumber_column
-- Spread a column's positions out again (1024 apart) when two neighbours left no room.
with ranked as (
    select i.id, row_number() over (order by i.position, i.id) * 1024.0 as pos
    from action_items i
    where i.tenant_id = mf_current_tenant() and i.status = %(status)s)
update action_items i set position = r.pos from ranked r
where r.id = i.id and i.position <> r.pos

-- name: column_end
-- The position after the last item of a column (the moving item left out).
select coalesce(max(i.position), 0) + 1024 as position from action_items i
where i.tenant_id = mf_current_tenant() and i.status = %(status)s and i.id <> %(id)s
