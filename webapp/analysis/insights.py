"""What the analysis knows about one conversation, for the panel beside the thread: its latest
summary and score (with the provider and model that produced them) and how many of its
messages were analysed and judged important. Read only; `POST /conversations/summarize` and
`POST /conversations/:id/score` make new ones."""

from __future__ import annotations

from typing import Any

from webapp.analysis.summaries import public_summary
from webapp.analysis.tasks import public_score
from webapp.db import Database
from webapp.db.queries import load
from webapp.errors import NotFound

Q = load(__file__)


def conversation_insights(db: Database, tenant_id: int, user_id: int,
                          conversation_id: int) -> dict[str, Any]:
    """{summary, score, analysed, important} of one of the tenant's conversations."""
    with db.tenant(tenant_id, user_id) as conn:
        if conn.execute(Q.find_conversation, {"id": conversation_id}).fetchone() is None:
            raise NotFound("No such conversation.", details={"conversation_id": conversation_id})
        summary = conn.execute(Q.latest_summary, {"id": conversation_id}).fetchone()
        score = conn.execute(Q.latest_score, {"id": conversation_id}).fetchone()
        counts = conn.execute(Q.analysis_counts, {"id": conversation_id}).fetchone()
    assert counts is not None
    return {
        "conversation_id": conversation_id,
        "summary": None if summary is None else {
            **public_summary(summary), "provider_name": summary["provider_name"]},
        "score": None if score is None else {
            **public_score(score), "provider_name": score["provider_name"]},
        "analysed": int(counts["analysed"]), "important": int(counts["important"]),
    }
