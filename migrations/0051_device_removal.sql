-- Removing a WhatsApp number (DELETE /api/v1/whatsapp/devices/:id).
--
-- A removed device is logged out (the gateway unlinks it from the phone, as for a plain log out)
-- and leaves the team's lists, but its row stays: its conversations and messages are the
-- team's history and keep pointing at it. `removed_at` marks it. The number itself is free
-- again at once: the unique JID index only covers devices that are not removed, so the same
-- phone can be paired again as a new device.

alter table devices add column removed_at timestamptz;

drop index devices_jid_key;
create unique index devices_jid_key on devices (jid) where jid is not null and removed_at is null;

create or replace function mf_device_json(d devices) returns jsonb
    language sql stable
    as $$
    select jsonb_build_object(
        'id', d.id, 'kind', d.kind, 'simulated', d.kind = 'simulator', 'jid', d.jid,
        'display_name', d.display_name,
        'status', d.status, 'has_qr', d.qr_payload is not null,
        'qr_updated_at', mf_ts(d.qr_updated_at), 'last_seen', mf_ts(d.last_seen),
        'last_error', d.last_error, 'created_at', mf_ts(d.created_at),
        'pair_phone', d.pair_phone, 'has_pair_code', d.pair_code is not null,
        'updated_at', mf_ts(d.updated_at), 'removed_at', mf_ts(d.removed_at))
    $$;
