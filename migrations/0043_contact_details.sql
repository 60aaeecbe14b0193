-- The contact panel (issue 13): what the team keeps about a contact beyond what WhatsApp says.
--   display_name  the saved name (address-book sync or edited by the team); it titles the
--                 contact's direct chats and wins over the WhatsApp push name;
--   notes         free text for the team;
--   attributes    custom fields, a flat JSON object of short strings ({"plan": "Gold"});
--   picture       the profile picture the gateway fetched (a media-store key) and when it
--                 last tried;
-- and labels on contacts (contact_labels, keyed like conversation_labels).
alter table contacts
    add column notes text not null default '' check (length(notes) <= 5000),
    add column attributes jsonb not null default '{}'::jsonb
        check (jsonb_typeof(attributes) = 'object'),
    add column picture_key text,
    add column picture_checked_at timestamptz,
    add column updated_by bigint references users (id) on delete set null,
    add constraint contacts_tenant_id_id_key unique (tenant_id, id);

create table contact_labels (
    tenant_id bigint not null references tenants (id) on delete cascade,
    contact_id bigint not null,
    label_id bigint not null,
    created_at timestamptz not null default now(),
    primary key (contact_id, label_id),
    foreign key (tenant_id, contact_id) references contacts (tenant_id, id) on delete cascade,
    foreign key (tenant_id, label_id) references labels (tenant_id, id) on delete cascade
);
create index contact_labels_label_idx on contact_labels (tenant_id, label_id);
alter table contact_labels enable row level security;
alter table contact_labels force row level security;
create policy contact_labels_tenant on contact_labels
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());
