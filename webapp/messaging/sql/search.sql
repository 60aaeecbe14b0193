-- name: search_messages
-- Full-text search over the tenant's live messages: best rank first, then newest. The matches
-- come from mf_message_matches (index-backed under RLS, migration 0009); only the page's rows
-- are then read and serialized. mf_search is the configuration of messages.search (accents
-- ignored, migration 0016): the query must use the same one.
select m.id, h.rank,
       (mf_message_json_of(m, r.quoted_message_id, r.reactions)
        || jsonb_build_object('conversation_title', c.title, 'rank', h.rank))::text as row
from (select h.id, h.rank
      from mf_message_matches(websearch_to_tsquery('mf_search', %(q)s)) h
      where %(after_id)s::bigint is null
         or (h.rank, h.id) < (%(after_rank)s::real, %(after_id)s::bigint)
      order by h.rank desc, h.id desc
      limit %(limit)s) h
join messages m on m.id = h.id
join conversations c on c.id = m.conversation_id
cross join lateral mf_message_refs(m) r
order by h.rank desc, m.id desc
