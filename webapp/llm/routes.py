"""LLM endpoints: providers, feature routes, usage/cost/health statistics and analysis."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app

from webapp.http.api import Call, endpoint
from webapp.http.context import db
from webapp.llm import (
    analysis,
    features,
    health,
    jobs,
    providers,
    recommend,
    stats,
    summaries,
    worker,
)
from webapp.llm.models import (
    AnalyzeRequest,
    AssignProvider,
    BatchAnalyzeRequest,
    ProviderCreate,
    ProviderUpdate,
    RangeQuery,
    SummarizeRequest,
    UsageQuery,
)
from webapp.llm.routing import LLMContext
from webapp.security.crypto import SecretBox

bp = Blueprint("llm", __name__, url_prefix="/api/v1")

MANAGE, READ, COSTS, RUN = "llm.providers.manage", "llm.usage.read", "costs.read", "analysis.run"


def ctx() -> LLMContext:
    """The database and this app's secret box (MASTER_KEY), built once per app."""
    ext = current_app.extensions
    box = ext.get("mf_llm_box")
    if box is None:
        box = ext["mf_llm_box"] = SecretBox(ext["mf_settings"].master_key)
    return LLMContext(db(), box)


# -- providers -------------------------------------------------------------------------------
@endpoint(bp, "/llm/providers", method="POST", permission=MANAGE, body=ProviderCreate,
          status=201)
def create_provider(call: Call[ProviderCreate, None]) -> dict[str, Any]:
    """Add a provider; its key is encrypted and only a masked hint is ever shown."""
    return providers.create_provider(db(), ctx().box, call.who, call.body, call.meta)


@endpoint(bp, "/llm/providers", permission=MANAGE)
def list_providers(call: Call[None, None]) -> dict[str, Any]:
    """The tenant's providers."""
    return {"data": providers.list_providers(db(), call.who), "next_cursor": None}


@endpoint(bp, "/llm/providers/comparison", permission=READ, query=RangeQuery)
def compare_providers(call: Call[None, RangeQuery]) -> dict[str, Any]:
    """Per provider: requests, success and valid-output rates, latency, tokens, cost, budget."""
    return stats.comparison(db(), call.who.tenant_id, call.query)


@endpoint(bp, "/llm/providers/<int:provider_id>", permission=MANAGE)
def get_provider(call: Call[None, None], provider_id: int) -> dict[str, Any]:
    """One provider."""
    return providers.get_provider(db(), call.who, provider_id)


@endpoint(bp, "/llm/providers/<int:provider_id>", method="PATCH", permission=MANAGE,
          body=ProviderUpdate)
def update_provider(call: Call[ProviderUpdate, None], provider_id: int) -> dict[str, Any]:
    """Change a provider (audited; kept in its history); `api_key` rotates the key."""
    return providers.update_provider(db(), ctx().box, call.who, provider_id, call.body,
                                     call.meta)


@endpoint(bp, "/llm/providers/<int:provider_id>", method="DELETE", permission=MANAGE)
def delete_provider(call: Call[None, None], provider_id: int) -> dict[str, Any]:
    """Delete a provider (its ledger rows and history stay)."""
    providers.delete_provider(db(), call.who, provider_id, call.meta)
    return {"status": "deleted", "id": provider_id}


@endpoint(bp, "/llm/providers/<int:provider_id>/test", method="POST", permission=MANAGE)
def test_provider(call: Call[None, None], provider_id: int) -> dict[str, Any]:
    """Make a real call to the provider; its result and latency."""
    return health.test_provider(ctx(), call.who.tenant_id, provider_id)


@endpoint(bp, "/llm/bulk-test", method="POST", permission=MANAGE)
def bulk_test(call: Call[None, None]) -> dict[str, Any]:
    """Test every active provider concurrently; results are stored in the ledger and health."""
    return health.bulk_test(ctx(), call.who.tenant_id)


@endpoint(bp, "/llm/providers/<int:provider_id>/history", permission=MANAGE, query=RangeQuery)
def provider_history(call: Call[None, RangeQuery], provider_id: int) -> dict[str, Any]:
    """Configuration changes, and the provider's daily usage and health series."""
    p = call.who
    with db().tenant(p.tenant_id, p.user_id) as conn:
        providers.get_row(conn, provider_id)
        changes = providers.provider_changes(conn, provider_id)
    series = stats.provider_series(db(), p.tenant_id, provider_id, call.query)
    return {"provider_id": provider_id, "changes": changes, "series": series}


# -- feature routes --------------------------------------------------------------------------
@endpoint(bp, "/llm/features", permission=READ)
def list_features(call: Call[None, None]) -> dict[str, Any]:
    """Every feature with its providers in order, then the default, then local."""
    return {"data": features.list_features(db(), call.who), "next_cursor": None}


@endpoint(bp, "/llm/features/<name>/assign-provider", method="POST", permission=MANAGE,
          body=AssignProvider, status=201)
def assign_provider(call: Call[AssignProvider, None], name: str) -> dict[str, Any]:
    """Put a provider on a feature's route (lower priority is tried first)."""
    b = call.body
    return features.assign(db(), call.who, name, b.provider_id, b.priority, call.meta)


@endpoint(bp, "/llm/features/<name>/providers", permission=READ)
def feature_providers(call: Call[None, None], name: str) -> dict[str, Any]:
    """One feature's route."""
    return features.feature_providers(db(), call.who, name)


@endpoint(bp, "/llm/features/<name>/providers/<int:provider_id>", method="DELETE",
          permission=MANAGE)
def unassign_provider(call: Call[None, None], name: str, provider_id: int) -> dict[str, Any]:
    """Take a provider off a feature's route."""
    features.unassign(db(), call.who, name, provider_id, call.meta)
    return {"status": "removed", "feature": name, "provider_id": provider_id}


# -- usage, costs, health --------------------------------------------------------------------
@endpoint(bp, "/llm/usage", permission=READ, query=UsageQuery)
def usage(call: Call[None, UsageQuery]) -> dict[str, Any]:
    """Ledger rows (newest first) with totals and a per-day series; filters and paging."""
    return stats.usage(db(), call.who.tenant_id, call.query)


@endpoint(bp, "/llm/costs", permission=COSTS, query=RangeQuery)
def costs(call: Call[None, RangeQuery]) -> dict[str, Any]:
    """Cost by day, provider and feature; month to date and projected month end."""
    return stats.costs(db(), call.who.tenant_id, call.query)


@endpoint(bp, "/llm/health", permission=READ)
def provider_health(call: Call[None, None]) -> dict[str, Any]:
    """Status per provider from rolling error rate, p95 latency and cooldown; last check."""
    return health.provider_health(ctx(), call.who.tenant_id)


@endpoint(bp, "/llm/analytics/cost-breakdown", permission=COSTS, query=RangeQuery)
def cost_breakdown(call: Call[None, RangeQuery]) -> dict[str, Any]:
    """Usage and cost by day x provider x feature x model."""
    return stats.cost_breakdown(db(), call.who.tenant_id, call.query)


@endpoint(bp, "/llm/analytics/usage-by-feature", permission=READ, query=RangeQuery)
def usage_by_feature(call: Call[None, RangeQuery]) -> dict[str, Any]:
    """Per feature, the providers that served it and their numbers."""
    return stats.usage_by_feature(db(), call.who.tenant_id, call.query)


@endpoint(bp, "/llm/recommendations", permission=READ, query=RangeQuery)
def recommendations(call: Call[None, RangeQuery]) -> dict[str, Any]:
    """Recommendations from real statistics with minimum sample sizes, each with its numbers."""
    return recommend.recommendations(db(), call.who.tenant_id, call.query)


# -- analysis --------------------------------------------------------------------------------
@endpoint(bp, "/messages/analyze", method="POST", permission=RUN, body=AnalyzeRequest)
def analyze_message(call: Call[AnalyzeRequest, None]) -> dict[str, Any]:
    """Analyse one message now; returns the stored analysis and the attempts it took."""
    return analysis.analyze_one(ctx(), call.who.tenant_id, call.body.message_id)


@endpoint(bp, "/messages/<int:message_id>/analysis", permission="conversations.read")
def get_analysis(call: Call[None, None], message_id: int) -> dict[str, Any]:
    """The stored analysis of one message."""
    return analysis.message_analysis(db(), call.who.tenant_id, message_id)


@endpoint(bp, "/messages/batch-analyze", method="POST", permission=RUN,
          body=BatchAnalyzeRequest, status=202)
def batch_analyze(call: Call[BatchAnalyzeRequest, None]) -> dict[str, Any]:
    """Queue messages (by ids, conversation or time) for analysis; returns the job id.

    With ANALYSIS_RUNNER=dagster the analysis sensor picks the job up; otherwise (inline) this
    process's worker thread drains it."""
    job = jobs.create_job(db(), call.who, call.body)
    if job["status"] == "queued" and current_app.extensions["mf_settings"].analysis_runner \
            == "inline":
        worker.ensure_worker(db(), ctx().box)
    return job


@endpoint(bp, "/analysis-settings", permission=RUN)
def get_analysis_settings(call: Call[None, None]) -> dict[str, Any]:
    """Whether new inbound messages are analysed automatically (default on)."""
    return jobs.analysis_settings(db(), call.who)


@endpoint(bp, "/analysis-settings", method="PUT", permission=MANAGE,
          body=jobs.AnalysisSettingsUpdate)
def put_analysis_settings(call: Call[jobs.AnalysisSettingsUpdate, None]) -> dict[str, Any]:
    """Switch automatic analysis of new inbound messages on or off (admin: it may cost money
    when importance detection routes to a paid provider)."""
    return jobs.set_analysis_settings(db(), call.who, call.body, call.meta)


@endpoint(bp, "/analysis-jobs/<int:job_id>", permission=RUN)
def analysis_job(call: Call[None, None], job_id: int) -> dict[str, Any]:
    """A job's progress (queued, running, done) and its failed items with their errors."""
    return jobs.job_status(db(), call.who, job_id)


@endpoint(bp, "/conversations/summarize", method="POST", permission=RUN, body=SummarizeRequest,
          status=201)
def summarize_conversation(call: Call[SummarizeRequest, None]) -> dict[str, Any]:
    """Summarise a conversation (optionally since a time) and store the summary."""
    b = call.body
    return summaries.summarize(ctx(), call.who.tenant_id, call.who.user_id, b.conversation_id,
                               b.since)
