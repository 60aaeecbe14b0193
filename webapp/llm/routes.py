"""LLM endpoints: providers, feature routes, usage/cost/health statistics and recommendations."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from webapp.http.api import Call, endpoint
from webapp.http.context import db
from webapp.http.context import llm_context as ctx
from webapp.llm import features, health, providers, recommend, stats
from webapp.llm import response_models as r
from webapp.llm.models import (
    AssignProvider,
    FeatureOut,
    ProviderCreate,
    ProviderUpdate,
    RangeQuery,
    RouteOrder,
    UsageQuery,
)

bp = Blueprint("llm", __name__, url_prefix="/api/v1")

MANAGE, READ, COSTS = "llm.providers.manage", "llm.usage.read", "costs.read"


# -- providers -------------------------------------------------------------------------------
@endpoint(bp, "/llm/providers", method="POST", permission=MANAGE, body=ProviderCreate,
          response=r.Provider, status=201,
          errors={409: "A provider with this name exists.",
                  422: "A monthly budget on a model whose price is unknown (give prices)."})
def create_provider(call: Call[ProviderCreate, None]) -> dict[str, Any]:
    """Add a provider; its key is encrypted and only a masked hint is ever shown."""
    return providers.create_provider(db(), ctx().box, call.who, call.body, call.meta)


@endpoint(bp, "/llm/providers", permission=MANAGE, response=r.ProviderList)
def list_providers(call: Call[None, None]) -> dict[str, Any]:
    """The tenant's providers."""
    return {"data": providers.list_providers(db(), call.who), "next_cursor": None}


@endpoint(bp, "/llm/providers/comparison", permission=READ, query=RangeQuery,
          response=r.Comparison)
def compare_providers(call: Call[None, RangeQuery]) -> dict[str, Any]:
    """Per provider: requests, success and valid-output rates, latency, tokens, cost, budget."""
    return stats.comparison(db(), call.who.tenant_id, call.query)


@endpoint(bp, "/llm/providers/<int:provider_id>", permission=MANAGE, response=r.Provider)
def get_provider(call: Call[None, None], provider_id: int) -> dict[str, Any]:
    """One provider."""
    return providers.get_provider(db(), call.who, provider_id)


@endpoint(bp, "/llm/providers/<int:provider_id>", method="PATCH", permission=MANAGE,
          body=ProviderUpdate, response=r.Provider,
          errors={409: "A provider with this name exists.",
                  422: "The change does not fit the provider's kind or other settings (a key "
                       "or api_base for local, no key for a paid kind, one price of two, a "
                       "budget without a known price)."})
def update_provider(call: Call[ProviderUpdate, None], provider_id: int) -> dict[str, Any]:
    """Change a provider (audited; kept in its history); `api_key` rotates the key."""
    return providers.update_provider(db(), ctx().box, call.who, provider_id, call.body,
                                     call.meta)


@endpoint(bp, "/llm/providers/<int:provider_id>", method="DELETE", permission=MANAGE,
          response=r.ProviderDeleted)
def delete_provider(call: Call[None, None], provider_id: int) -> dict[str, Any]:
    """Delete a provider (its ledger rows and history stay)."""
    providers.delete_provider(db(), call.who, provider_id, call.meta)
    return {"status": "deleted", "id": provider_id}


@endpoint(bp, "/llm/providers/<int:provider_id>/test", method="POST", permission=MANAGE,
          response=r.ProviderTest)
def test_provider(call: Call[None, None], provider_id: int) -> dict[str, Any]:
    """Make a real call to the provider; its result and latency."""
    return health.test_provider(ctx(), call.who.tenant_id, provider_id)


@endpoint(bp, "/llm/bulk-test", method="POST", permission=MANAGE, response=r.ProviderTests)
def bulk_test(call: Call[None, None]) -> dict[str, Any]:
    """Test every active provider concurrently; results are stored in the ledger and health."""
    return health.bulk_test(ctx(), call.who.tenant_id)


@endpoint(bp, "/llm/providers/<int:provider_id>/history", permission=MANAGE, query=RangeQuery,
          response=r.ProviderHistory)
def provider_history(call: Call[None, RangeQuery], provider_id: int) -> dict[str, Any]:
    """Configuration changes, and the provider's daily usage and health series."""
    p = call.who
    with db().tenant(p.tenant_id, p.user_id) as conn:
        providers.get_row(conn, provider_id)
        changes = providers.provider_changes(conn, provider_id)
    series = stats.provider_series(db(), p.tenant_id, provider_id, call.query)
    return {"provider_id": provider_id, "changes": changes, "series": series}


# -- feature routes --------------------------------------------------------------------------
@endpoint(bp, "/llm/features", permission=READ, response=r.FeatureList)
def list_features(call: Call[None, None]) -> dict[str, Any]:
    """Every feature with its providers in order, then the default, then local."""
    return {"data": features.list_features(db(), call.who), "next_cursor": None}


@endpoint(bp, "/llm/features/<name>/assign-provider", method="POST", permission=MANAGE,
          body=AssignProvider, response=r.Assignment, status=201)
def assign_provider(call: Call[AssignProvider, None], name: str) -> dict[str, Any]:
    """Put a provider on a feature's route (lower priority is tried first)."""
    b = call.body
    return features.assign(db(), call.who, name, b.provider_id, b.priority, call.meta)


@endpoint(bp, "/llm/features/<name>/providers", permission=READ, response=r.Feature)
def feature_providers(call: Call[None, None], name: str) -> dict[str, Any]:
    """One feature's route."""
    return features.feature_providers(db(), call.who, name)


@endpoint(bp, "/llm/features/<name>/providers", method="PUT", permission=MANAGE,
          body=RouteOrder, response=FeatureOut)
def reorder_providers(call: Call[RouteOrder, None], name: str) -> dict[str, Any]:
    """Set a feature's route in order (drag to reorder); 404 for another tenant's provider id.
    The answer says which provider the feature will actually use (`effective`) and the whole
    order tried (`chain`: route, then the default, then the built-in analyser)."""
    return features.reorder(db(), call.who, name, call.body.provider_ids, call.meta)


@endpoint(bp, "/llm/features/<name>/providers/<int:provider_id>", method="DELETE",
          permission=MANAGE, response=r.Unassigned)
def unassign_provider(call: Call[None, None], name: str, provider_id: int) -> dict[str, Any]:
    """Take a provider off a feature's route."""
    features.unassign(db(), call.who, name, provider_id, call.meta)
    return {"status": "removed", "feature": name, "provider_id": provider_id}


# -- usage, costs, health --------------------------------------------------------------------
@endpoint(bp, "/llm/usage", permission=READ, query=UsageQuery, response=r.Usage)
def usage(call: Call[None, UsageQuery]) -> dict[str, Any]:
    """Ledger rows (newest first) with totals and a per-day series; filters and paging."""
    return stats.usage(db(), call.who.tenant_id, call.query)


@endpoint(bp, "/llm/costs", permission=COSTS, query=RangeQuery, response=r.Costs)
def costs(call: Call[None, RangeQuery]) -> dict[str, Any]:
    """Cost by day, provider and feature; month to date and projected month end."""
    return stats.costs(db(), call.who.tenant_id, call.query)


@endpoint(bp, "/llm/health", permission=READ, response=r.Health)
def provider_health(call: Call[None, None]) -> dict[str, Any]:
    """Status per provider from rolling error rate, p95 latency and cooldown; last check."""
    return health.provider_health(ctx(), call.who.tenant_id)


@endpoint(bp, "/llm/analytics/cost-breakdown", permission=COSTS, query=RangeQuery,
          response=r.CostBreakdown)
def cost_breakdown(call: Call[None, RangeQuery]) -> dict[str, Any]:
    """Usage and cost by day x provider x feature x model."""
    return stats.cost_breakdown(db(), call.who.tenant_id, call.query)


@endpoint(bp, "/llm/analytics/usage-by-feature", permission=READ, query=RangeQuery,
          response=r.UsageByFeature)
def usage_by_feature(call: Call[None, RangeQuery]) -> dict[str, Any]:
    """Per feature, the providers that served it and their numbers."""
    return stats.usage_by_feature(db(), call.who.tenant_id, call.query)


@endpoint(bp, "/llm/recommendations", permission=READ, query=RangeQuery,
          response=r.Recommendations)
def recommendations(call: Call[None, RangeQuery]) -> dict[str, Any]:
    """Recommendations from real statistics with minimum sample sizes, each with its numbers."""
    return recommend.recommendations(db(), call.who.tenant_id, call.query)
