-- Private notes in a conversation (issue 13): the team writes them beside the thread; they are
-- never sent to WhatsApp. @mentions are resolved when written (as for action-item comments)
-- and notify those members once. Shown in the thread by time; live as note.created|deleted.
create table conversation_notes (
    id bigint generated always as identity primary key,
    tenant_id bigint not null references tenants (id) on delete cascade,
    conversation_id bigint not null,
    author_id bigint references users (id) on delete set null,
    body text not null check (length(body) between 1 and 4000),
    mentions jsonb not null default '[]'::jsonb,
    created_at timestamptz not null default now(),
    foreign key (tenant_id, conversation_id) references conversations (tenant_id, id)
        on delete cascade
);
create index conversation_notes_conversation_idx
    on conversation_notes (tenant_id, conversation_id, created_at, id);
alter table conversation_notes enable row level security;
alter table conversation_notes force row level security;
create policy conversation_notes_tenant on conversation_notes
    using (tenant_id = mf_current_tenant()) with check (tenant_id = mf_current_tenant());

create function mf_note_json(n conversation_notes) returns jsonb
    language sql stable
    as $$
    select jsonb_build_object(
        'id', n.id, 'conversation_id', n.conversation_id, 'author_id', n.author_id,
        'author_name', (select u.name from users u where u.id = n.author_id),
        'body', n.body, 'mentions', n.mentions, 'created_at', mf_ts(n.created_at))
    $$;

-- Frames: the note as it is now; a deleted note frames as the event's data ({id,
-- conversation_id}).
create function mf_note_event(e events) returns jsonb
    language sql stable
    as $$ select mf_note_json(n) from conversation_notes n
          where n.id = (e.data ->> 'id')::bigint and e.type <> 'note.deleted' $$;

insert into event_serializers (type_prefix, serializer) values ('note.', 'mf_note_event(events)');

grant execute on function mf_note_json(conversation_notes), mf_note_event(events)
    to messageflow_app;
