-- The thread shows each analysed message's verdict (issue 13, "AI beside the thread"): the
-- message JSON gains `analysis` ({priority, important, sentiment, language, reason, topics,
-- confidence, provider_kind, model, heuristic, analysed_at}, null until analysed), so the
-- message.analyzed frame (a message.* event, framed by mf_message_json) updates the bubble live.
-- (Numbered in the admin block's spare range: the workspace block 0040-0044 is full.)

create function mf_message_analysis(p_tenant_id bigint, p_message_id bigint)
returns jsonb language sql stable as $$
    select jsonb_build_object(
        'priority', a.priority, 'important', a.is_important, 'sentiment', a.sentiment,
        'language', a.language, 'reason', a.reason, 'topics', to_jsonb(a.topics),
        'confidence', a.confidence, 'provider_kind', a.provider_kind, 'model', a.model,
        'heuristic', a.heuristic, 'analysed_at', mf_ts(a.created_at))
    from message_analyses a
    where a.tenant_id = p_tenant_id and a.message_id = p_message_id
$$;
grant execute on function mf_message_analysis(bigint, bigint) to messageflow_app;

create or replace function mf_message_json_of(m messages, p_quoted_message_id bigint,
                                              p_reactions jsonb)
returns jsonb language sql stable as $$
    select jsonb_build_object(
        'id', m.id, 'conversation_id', m.conversation_id, 'device_id', m.device_id,
        'wa_message_id', m.wa_message_id, 'sender_jid', m.sender_jid,
        'sender_contact_id', m.sender_contact_id, 'sender_name', m.sender_name,
        'from_me', m.from_me, 'timestamp', mf_ts(m.sent_at),
        'text', case when m.revoked_at is null then m.text end,
        'media', case when m.revoked_at is null then m.media end,
        'quoted_wa_id', m.quoted_wa_id,
        'quoted_message_id', p_quoted_message_id,
        'forwarded', m.forwarded, 'status', m.status,
        'edited_at', mf_ts(m.edited_at), 'revoked_at', mf_ts(m.revoked_at),
        'delivered_at', mf_ts(m.delivered_at), 'read_at', mf_ts(m.read_at),
        'reactions', p_reactions,
        'sent_by', mf_sent_by_json(m),
        'labels', mf_message_labels(m.id),
        'analysis', mf_message_analysis(m.tenant_id, m.id))
$$;
