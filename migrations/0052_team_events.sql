-- The Team screen follows changes made by other admins live.
--
-- Every change to a membership (someone joined, their role changed, they were removed) and to an
-- invitation (created, revoked, accepted) writes a `team.changed` event in the same transaction,
-- from triggers so that no path (the team API, accepting an invitation, registering or signing in
-- with one) can forget it. The event carries only what changed and its id; the screen reloads
-- the list through the API, so each reader sees what their role may see (invitations are for
-- admins), never more. Nothing is written when the transaction acts for no tenant or another one.

create or replace function mf_team_changed() returns trigger
    language plpgsql
    as $$
declare
    v_row record := case when tg_op = 'DELETE' then old else new end;
    v_what text := case when tg_table_name = 'memberships' then 'member' else 'invitation' end;
    v_change text;
    v_id bigint;
begin
    if mf_current_tenant() is distinct from v_row.tenant_id then
        return null;
    end if;
    if tg_table_name = 'memberships' then
        v_id := v_row.user_id;
        v_change := case tg_op when 'INSERT' then 'joined' when 'DELETE' then 'removed'
                               else 'role' end;
        if tg_op = 'UPDATE' and old.role is not distinct from new.role then
            return null;
        end if;
    else
        v_id := v_row.id;
        v_change := case when tg_op = 'INSERT' then 'created'
                         when new.revoked_at is not null and old.revoked_at is null then 'revoked'
                         when new.accepted_at is not null and old.accepted_at is null
                              then 'accepted'
                         end;
        if v_change is null then
            return null;
        end if;
    end if;
    insert into events (tenant_id, type, data)
    values (v_row.tenant_id, 'team.changed', jsonb_build_object(
        'what', v_what, 'change', v_change,
        'id', v_id));
    return null;
end
$$;

create trigger memberships_team_changed after insert or delete or update of role on memberships
    for each row execute function mf_team_changed();
create trigger invitations_team_changed after insert or update on invitations
    for each row execute function mf_team_changed();
