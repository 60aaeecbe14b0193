-- name: renew_leases
-- Announce this gateway process, give back what it releases, renew what it holds and take
-- free or expired devices up to its fair share (SECURITY DEFINER, migration 0022).
select device_id, tenant_id, kind, jid, status, lease_until, fair_share, live_holders
from mf_gateway_lease(%(holder)s, %(name)s, %(seconds)s, %(release)s::bigint[])

-- name: release_leases
-- Give devices back at once; NULL devices: every lease of the holder, and the holder itself.
select mf_gateway_release(%(holder)s, %(devices)s::bigint[]) as released
