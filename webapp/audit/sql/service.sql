-- name: insert_audit_log
-- One audit row in the current tenant.
insert into audit_logs (tenant_id, actor_user_id, action, outcome, target_type, target_id,
                        before, after, details, ip, user_agent)
values (mf_current_tenant(), %(actor)s, %(action)s, %(outcome)s, %(target_type)s, %(target_id)s,
        %(before)s, %(after)s, %(details)s, %(ip)s, %(user_agent)s)
returning id, created_at

-- name: list_audit_logs
-- Newest first, keyset on id; filters are optional.
select a.id, a.actor_user_id, u.email as actor_email, a.action, a.outcome, a.target_type,
       a.target_id, a.before, a.after, a.details, host(a.ip) as ip, a.user_agent, a.created_at
from audit_logs a
left join users u on u.id = a.actor_user_id
where (%(actor)s::bigint is null or a.actor_user_id = %(actor)s)
  and (%(action)s::text is null or a.action = %(action)s or a.action like %(action_prefix)s)
  and (%(since)s::timestamptz is null or a.created_at >= %(since)s)
  and (%(until)s::timestamptz is null or a.created_at < %(until)s)
  and (%(before_id)s::bigint is null or a.id < %(before_id)s)
order by a.id desc
limit %(limit)s

-- name: insert_activity
-- One user activity row (sign-in, refresh, sign-out).
insert into user_activity_logs (tenant_id, user_id, activity, ip, user_agent, details)
values (mf_current_tenant(), %(user_id)s, %(activity)s, %(ip)s, %(user_agent)s, %(details)s)
