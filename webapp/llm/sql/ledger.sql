-- name: insert_usage_log
-- One attempt in the ledger (failed ones too).
insert into llm_usage_logs (tenant_id, provider_id, provider_kind, model, feature,
                            conversation_id, message_id, message_count, prompt_version,
                            input_tokens, output_tokens, cost_usd, unpriced, latency_ms, status,
                            error_class, error_message, valid_output)
values (mf_current_tenant(), %(provider_id)s, %(provider_kind)s, %(model)s, %(feature)s,
        %(conversation_id)s, %(message_id)s, %(message_count)s, %(prompt_version)s,
        %(input_tokens)s, %(output_tokens)s, %(cost_usd)s, %(unpriced)s, %(latency_ms)s,
        %(status)s, %(error_class)s, %(error_message)s, %(valid_output)s)
returning id
