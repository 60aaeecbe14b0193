-- name: find_conversation
select id from conversations where id = %(id)s

-- name: latest_summary
-- The conversation's latest summary, with the name of the provider that wrote it.
select s.*, p.name as provider_name
from conversation_summaries s left join llm_providers p on p.id = s.provider_id
where s.conversation_id = %(id)s
order by s.id desc limit 1

-- name: latest_score
select s.*, p.name as provider_name
from conversation_scores s left join llm_providers p on p.id = s.provider_id
where s.conversation_id = %(id)s
order by s.id desc limit 1

-- name: analysis_counts
-- How many of the conversation's messages were analysed, and how many judged important.
select count(*) as analysed, count(*) filter (where a.is_important) as important
from message_analyses a where a.conversation_id = %(id)s
