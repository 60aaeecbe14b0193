-- name: claim_test
-- The test delivery just queued, leased to the request that sends it (unless a worker was
-- quicker: then that worker sends it).
update deliveries
set status = 'delivering', attempts = attempts + 1, updated_at = now(),
    locked_until = now() + make_interval(secs => %(lease)s)
where id = %(id)s and status = 'pending'
returning id
