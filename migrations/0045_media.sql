-- Media (issue 13): the bytes of images, voice notes, videos, documents and stickers.
-- The bytes live in a content-addressed store (webapp.media.store: sha256 names the file);
-- the database keeps, per message, what the file is, where its download stands and, until
-- the download succeeds, the WhatsApp media keys it needs (direct path, media key, hashes).
-- Keys never leave the database: the message JSON shows only type, mime, size, file name,
-- caption and the download state (kept in messages.media by webapp.media.downloads).
create table message_media (
    tenant_id bigint not null references tenants (id) on delete cascade,
    message_id bigint primary key,
    device_id bigint not null,
    type text not null check (type in ('image', 'video', 'audio', 'document', 'sticker')),
    mime text,
    filename text,
    size bigint check (size >= 0),
    state text not null check (state in ('pending', 'ready', 'failed')),
    keys jsonb,
    sha256 text check (sha256 ~ '^[0-9a-f]{64}$'),
    attempts integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_error text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    foreign key (tenant_id, message_id) references messages (tenant_id, id) on delete cascade,
    check (state <> 'ready' or sha256 is not null)
);
create index message_media_due_idx on message_media (device_id, next_attempt_at)
    where state = 'pending';
alter table message_media enable row level security;
alter table message_media force row level security;
create policy message_media_tenant on message_media
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

-- Files agents uploaded to send (POST /api/v1/media), referenced by a reply's media_id.
create table media_uploads (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    type text not null check (type in ('image', 'video', 'audio', 'document', 'sticker')),
    mime text not null,
    filename text,
    size bigint not null check (size >= 0),
    sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    created_by bigint references users (id) on delete set null,
    created_at timestamptz not null default now(),
    unique (tenant_id, id)
);
alter table media_uploads enable row level security;
alter table media_uploads force row level security;
create policy media_uploads_tenant on media_uploads
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());
