-- name: issue_token
select * from mf_password_reset_issue(%(email)s, %(token_hash)s, %(ttl)s)

-- name: confirm_token
select * from mf_password_reset_confirm(%(token_hash)s, %(password_hash)s)
