"""Analysis endpoints: analyse messages now or queued, the queue's settings and jobs,
conversation summaries, scores and proposed action items."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app

from webapp.analysis import importance, jobs, summaries, tasks, worker
from webapp.analysis import models as m
from webapp.analysis.models import (
    AnalyzeRequest,
    BatchAnalyzeRequest,
    ExtractActionsRequest,
    SummarizeRequest,
)
from webapp.http.api import Call, endpoint
from webapp.http.context import db
from webapp.http.context import llm_context as ctx

bp = Blueprint("analysis", __name__, url_prefix="/api/v1")

MANAGE, READ, RUN = "llm.providers.manage", "conversations.read", "analysis.run"


@endpoint(bp, "/messages/analyze", method="POST", permission=RUN, body=AnalyzeRequest,
          response=m.AnalyzeResult,
          errors={404: "No such message.", 422: "The message was deleted by its sender."})
def analyze_message(call: Call[AnalyzeRequest, None]) -> dict[str, Any]:
    """Analyse one message now; returns the stored analysis and the attempts it took."""
    return importance.analyze_one(ctx(), call.who.tenant_id, call.body.message_id)


@endpoint(bp, "/messages/<int:message_id>/analysis", permission=READ, response=m.Analysis)
def get_analysis(call: Call[None, None], message_id: int) -> dict[str, Any]:
    """The stored analysis of one message."""
    return importance.message_analysis(db(), call.who.tenant_id, message_id)


@endpoint(bp, "/messages/batch-analyze", method="POST", permission=RUN,
          body=BatchAnalyzeRequest, response=m.JobQueued, status=202,
          errors={404: "Some messages or the conversation do not exist."})
def batch_analyze(call: Call[BatchAnalyzeRequest, None]) -> dict[str, Any]:
    """Queue messages (by ids, conversation or time) for analysis; returns the job id.

    With ANALYSIS_RUNNER=dagster the analysis sensor picks the job up; otherwise (inline) this
    process's worker thread drains it."""
    job = jobs.create_job(db(), call.who, call.body)
    if job["status"] == "queued" and current_app.extensions["mf_settings"].analysis_runner \
            == "inline":
        worker.ensure_worker(db(), ctx().box)
    return job


@endpoint(bp, "/analysis-settings", permission=RUN, response=m.AnalysisSettings)
def get_analysis_settings(call: Call[None, None]) -> dict[str, Any]:
    """Whether new inbound messages are analysed automatically (default on)."""
    return jobs.analysis_settings(db(), call.who)


@endpoint(bp, "/analysis-settings", method="PUT", permission=MANAGE,
          body=jobs.AnalysisSettingsUpdate, response=m.AnalysisSettings)
def put_analysis_settings(call: Call[jobs.AnalysisSettingsUpdate, None]) -> dict[str, Any]:
    """Switch automatic analysis of new inbound messages on or off (admin: it may cost money
    when importance detection routes to a paid provider)."""
    return jobs.set_analysis_settings(db(), call.who, call.body, call.meta)


@endpoint(bp, "/analysis-jobs/<int:job_id>", permission=RUN, response=m.AnalysisJob)
def analysis_job(call: Call[None, None], job_id: int) -> dict[str, Any]:
    """A job's progress (queued, running, done) and its failed items with their errors."""
    return jobs.job_status(db(), call.who, job_id)


@endpoint(bp, "/conversations/summarize", method="POST", permission=RUN, body=SummarizeRequest,
          response=m.Summary, status=201,
          errors={404: "No such conversation.", 422: "No messages to summarise.",
                  503: "No provider produced a valid answer."})
def summarize_conversation(call: Call[SummarizeRequest, None]) -> dict[str, Any]:
    """Summarise a conversation (optionally since a time) and store the summary."""
    b = call.body
    return summaries.summarize(ctx(), call.who.tenant_id, call.who.user_id, b.conversation_id,
                               b.since)


@endpoint(bp, "/conversations/<int:conversation_id>/score", method="POST", permission=RUN,
          response=m.ScoreResult, status=201, errors={422: "No messages to score."})
def score_conversation(call: Call[None, None], conversation_id: int) -> dict[str, Any]:
    """Score how much attention a conversation needs (0-100, urgency, satisfaction, reason).

    Routed through the conversation_scoring feature's providers; the score is stored and
    returned with the attempts it took."""
    return tasks.score_conversation(ctx(), call.who.tenant_id, call.who.user_id,
                                    conversation_id)


@endpoint(bp, "/conversations/<int:conversation_id>/score", permission=READ,
          response=m.Score)
def conversation_score(call: Call[None, None], conversation_id: int) -> dict[str, Any]:
    """A conversation's current (latest) stored score."""
    return tasks.latest_score(ctx(), call.who.tenant_id, conversation_id)


@endpoint(bp, "/messages/extract-actions", method="POST", permission=RUN,
          body=ExtractActionsRequest, response=m.Extraction,
          errors={404: "No such message or conversation.",
                  422: "There are no messages to extract action items from."})
def extract_actions(call: Call[ExtractActionsRequest, None]) -> dict[str, Any]:
    """Propose action items from messages (`message_ids`) or a conversation (`conversation_id`,
    optional `since`) through the action_extraction feature's providers.

    Items are stored as proposed action items with origin `extraction`, each keeping its
    source message; an item already proposed for the same message is returned, not repeated."""
    b = call.body
    return tasks.extract_actions(ctx(), call.who.tenant_id, call.who.user_id,
                                 message_ids=b.message_ids, conversation_id=b.conversation_id,
                                 since=b.since)
