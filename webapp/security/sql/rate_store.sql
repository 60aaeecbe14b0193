-- name: acquire_window
-- One moving-window check of a key (amount 0: read the window only); migration 0020.
select granted, oldest, hits
from mf_rate_acquire(%(key)s, %(limit)s, %(expiry)s, %(amount)s)

-- name: prune_keys
-- Forget keys whose hits have all left their window (bounded batch, one pruner at a time).
select mf_rate_prune(%(batch)s) as pruned

-- name: incr_counter
-- Fixed window: add to the key's counter; a key whose window ended starts a new one.
insert into mf_rate_keys as k (key, n, expires_at)
values (%(key)s, %(amount)s, extract(epoch from now())::float8 + %(expiry)s)
on conflict (key) do update
set n = case when k.expires_at <= extract(epoch from now())::float8 then excluded.n
             else k.n + excluded.n end,
    expires_at = case when k.expires_at <= extract(epoch from now())::float8
                      then excluded.expires_at else k.expires_at end
returning n

-- name: get_counter
-- Fixed window: the key's counter (0 when there is none or its window ended).
select coalesce((select k.n from mf_rate_keys k
                 where k.key = %(key)s and k.expires_at > extract(epoch from now())::float8),
                0) as n

-- name: get_expiry
-- Fixed window: when the key's window ends (now when it has, or there is none).
select greatest(coalesce((select k.expires_at from mf_rate_keys k where k.key = %(key)s), 0),
                extract(epoch from now())::float8) as expires_at

-- name: check_storage
-- The storage answers.
select 1 as ok

-- name: delete_key
-- Forget one key; taken first so a concurrent check of it waits, then starts afresh.
delete from mf_rate_keys where key = %(key)s

-- name: delete_key_hits
-- The forgotten key's hits.
delete from mf_rate_hits where key = %(key)s

-- name: delete_all_keys
-- Forget every key (tests, `flask limiter` admin).
delete from mf_rate_keys

-- name: delete_all_hits
-- And every hit.
delete from mf_rate_hits
