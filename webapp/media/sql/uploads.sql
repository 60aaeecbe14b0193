-- name: insert_upload
-- A file an agent uploaded, as the API shows it (never its hash or where it is stored).
insert into media_uploads (tenant_id, type, mime, filename, size, sha256, created_by)
values (mf_current_tenant(), %(type)s, %(mime)s, %(filename)s, %(size)s, %(sha256)s,
        %(user_id)s)
returning id, type, mime, filename, size, mf_ts(created_at) as created_at

-- name: select_upload
-- One of the tenant's uploads.
select id, type, mime, filename, size from media_uploads where id = %(id)s
