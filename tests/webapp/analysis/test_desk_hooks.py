"""The desk's hooks in the analysis: an important message in a conversation assigned to
someone notifies them once; items a summary proposes name their provider and model."""

from __future__ import annotations

from tests import factories as make
from tests.webapp.llm.test_support import URGENT, box, owner_principal, seed_messages
from webapp.analysis import importance, summaries
from webapp.db import Database
from webapp.llm.routing import LLMContext


def test_assignee_is_notified_once_per_important_message(platform_db: Database) -> None:
    ctx = LLMContext(platform_db, box())
    p = owner_principal(platform_db, "Important notifications")
    agent = make.user(platform_db, p.tenant_id, "member")
    ids = seed_messages(platform_db, p.tenant_id, ["thanks, all good", URGENT])
    conversation = make.conversation_of(platform_db, p.tenant_id, ids[0])
    with platform_db.tenant(p.tenant_id) as conn:
        conn.execute("update conversations set assignee_id = %s where id = %s",
                     (agent, conversation))

    importance.analyze_messages(ctx, p.tenant_id, ids)
    importance.analyze_messages(ctx, p.tenant_id, ids)  # a re-analysis does not repeat it

    with platform_db.tenant(p.tenant_id) as conn:
        rows = conn.execute("select user_id, kind, link from notifications order by id"
                            ).fetchall()
    assert [(r["user_id"], r["kind"]) for r in rows] == [(agent, "important_message")]
    assert rows[0]["link"] == f"/app/conversations/{conversation}?message={ids[1]}"


def test_items_a_summary_proposes_name_its_provider_and_model(platform_db: Database) -> None:
    ctx = LLMContext(platform_db, box())
    p = owner_principal(platform_db, "Summary provenance")
    ids = seed_messages(platform_db, p.tenant_id, [
        "Hi, can you send me the invoice for order 5531 by Friday?", "I will send it today."])
    conversation = make.conversation_of(platform_db, p.tenant_id, ids[0])

    summaries.summarize(ctx, p.tenant_id, p.user_id, conversation)

    with platform_db.tenant(p.tenant_id) as conn:
        items = conn.execute("select mf_action_item_json(i) as j from action_items i "
                             "where origin = 'summary'").fetchall()
    assert items
    for item in items:
        prov = item["j"]["provenance"]
        assert prov["source"] == "summary" and item["j"]["origin"] == "proposed"
        assert prov["model"] and prov["provider_kind"] == "local"
