-- The WhatsApp gateway: whatsmeow's session store gets its own schema (never the RLS-governed
-- app schema; whatsmeow creates its 17 tables there on first connect, owned by the role in
-- DATABASE_URL), and a device keeps the code of a pairing by phone number.

create schema if not exists whatsmeow;
revoke all on schema whatsmeow from public;

alter table devices add column pair_code text;

-- The device serializer, extended with how pairing is going (the code itself is admin-only and
-- served by its own endpoint, like the QR payload).
create or replace function mf_device_json(d devices) returns jsonb
    language sql stable
    as $$
    select jsonb_build_object(
        'id', d.id, 'kind', d.kind, 'jid', d.jid, 'display_name', d.display_name,
        'status', d.status, 'has_qr', d.qr_payload is not null,
        'qr_updated_at', mf_ts(d.qr_updated_at), 'last_seen', mf_ts(d.last_seen),
        'last_error', d.last_error, 'created_at', mf_ts(d.created_at),
        'pair_phone', d.pair_phone, 'has_pair_code', d.pair_code is not null,
        'updated_at', mf_ts(d.updated_at))
    $$;
