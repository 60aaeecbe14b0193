-- Rate-limit windows shared by every process of a deployment (used when REDIS_URL is unset).
--
-- Before this, without Redis each gunicorn worker counted in its own memory, so with two workers
-- a user got 120 requests a minute instead of 60 and the X-RateLimit-* headers of the two workers
-- disagreed. PostgreSQL is always there, so the windows live here (webapp/security/rate_store.py).
--
-- Moving window ("60/minute" = at most 60 hits in any 60 seconds), exact at any limit with O(1)
-- work per hit: one row per key holding the number of hits it still has in its window, one row
-- per granted hit (the hits of a key leave the window in the order they came). Both tables are
-- UNLOGGED: a check writes no WAL, so its commit waits for no disk flush; after a crash they are
-- empty, which only forgets the last minutes of counting. Times are the database clock in unix
-- seconds, so every process (on any host) agrees on them. Keys never hold secrets: user ids, IPs,
-- and for sign-in failures an HMAC of the e-mail address.

create unlogged table mf_rate_keys (
    key text primary key,
    -- Moving window: hits of the key in mf_rate_hits. Fixed window: the counter.
    n bigint not null default 0,
    -- After this the key holds nothing (its last hit has left the window): pruned.
    expires_at double precision not null
) with (fillfactor = 70);  -- room for HOT updates: every check rewrites its key's row

create unlogged table mf_rate_hits (
    key text not null,
    at double precision not null,
    weight integer not null
);
create index mf_rate_hits_key_at on mf_rate_hits (key, at);

-- One check of a moving window, atomic and in one round trip: under the key's row lock, drop the
-- hits that left the window, grant `p_amount` hits when they fit under `p_limit`, and return the
-- outcome with the window as it now is (its oldest hit, its number of hits). p_amount = 0 only
-- reads the window (and never creates a key).
create function mf_rate_acquire(p_key text, p_limit bigint, p_expiry double precision,
                                p_amount integer)
    returns table (granted boolean, oldest double precision, hits bigint)
    language plpgsql volatile
    as $$
declare
    v_n bigint;
    v_now double precision;
    v_gone bigint;
begin
    select k.n into v_n from mf_rate_keys k where k.key = p_key for update;
    while not found loop
        if p_amount = 0 then
            return query select true, extract(epoch from clock_timestamp())::float8, 0::bigint;
            return;
        end if;
        insert into mf_rate_keys (key, n, expires_at)
        values (p_key, 0, extract(epoch from clock_timestamp()) + p_expiry)
        on conflict (key) do nothing;
        select k.n into v_n from mf_rate_keys k where k.key = p_key for update;
    end loop;
    -- Read the clock once the lock is held, so a key's hits are stored in time order.
    v_now := extract(epoch from clock_timestamp());
    with gone as (
        delete from mf_rate_hits h where h.key = p_key and h.at <= v_now - p_expiry
        returning h.weight
    )
    select coalesce(sum(g.weight), 0) into v_gone from gone g;
    granted := p_amount <= p_limit and v_n - v_gone + p_amount <= p_limit;
    if granted and p_amount > 0 then
        insert into mf_rate_hits (key, at, weight) values (p_key, v_now, p_amount);
        update mf_rate_keys k set n = v_n - v_gone + p_amount, expires_at = v_now + p_expiry
        where k.key = p_key;
        v_n := v_n - v_gone + p_amount;
    elsif v_gone > 0 then
        update mf_rate_keys k set n = v_n - v_gone where k.key = p_key;
        v_n := v_n - v_gone;
    end if;
    hits := v_n;
    select coalesce(min(h.at), v_now) into oldest from mf_rate_hits h where h.key = p_key;
    return next;
end $$;

-- Forget keys whose every hit has left the window (each web process calls it about once a
-- minute). Bounded per call, and skips keys a check holds right now; one pruner at a time.
create function mf_rate_prune(p_batch integer) returns bigint
    language plpgsql volatile
    as $$
declare
    v_now double precision := extract(epoch from clock_timestamp());
    v_count bigint;
begin
    if not pg_try_advisory_xact_lock(1296454220, 0) then  -- 0x4D46524C, "MFRL"
        return 0;
    end if;
    with dead as (
        delete from mf_rate_keys k
        where k.key in (select d.key from mf_rate_keys d where d.expires_at < v_now
                        limit p_batch for update skip locked)
          and k.expires_at < v_now
        returning k.key
    ), hits as (
        delete from mf_rate_hits h using dead where h.key = dead.key
    )
    select count(*) into v_count from dead;
    return v_count;
end $$;

-- The app role uses exactly this: the two functions (invoker rights) and what they and the
-- fixed-window statements do to the tables.
revoke all on mf_rate_keys, mf_rate_hits from messageflow_app;
grant select, insert, update, delete on mf_rate_keys to messageflow_app;
grant select, insert, delete on mf_rate_hits to messageflow_app;
revoke all on function mf_rate_acquire(text, bigint, double precision, integer),
    mf_rate_prune(integer) from public;
grant execute on function mf_rate_acquire(text, bigint, double precision, integer),
    mf_rate_prune(integer) to messageflow_app;
