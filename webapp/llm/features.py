"""Feature routes: which providers serve a feature, in which order (audited changes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from webapp.analysis.prompts import PROMPTS
from webapp.analysis.schemas import FEATURES
from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.db.rows import fetch_all
from webapp.errors import NotFound, ValidationFailed
from webapp.llm import breaker
from webapp.llm.client import LOCAL_MODEL
from webapp.llm.providers import get_row, provider_rows
from webapp.llm.routing import LOCAL_NAME
from webapp.llm.rows import FeatureRoute, ProviderRow
from webapp.security.principal import Principal, RequestMeta

Q = load(__file__)


def check_feature(name: str) -> str:
    """The feature name, or NotFound for an unknown one."""
    if name not in FEATURES:
        raise NotFound(f"No feature named {name!r}.", code="feature_not_found",
                       details={"features": list(FEATURES)})
    return name


def _route_row(r: FeatureRoute) -> dict[str, Any]:
    return {"provider_id": r.provider_id, "name": r.name, "kind": r.kind,
            "model": r.model, "priority": r.priority, "active": r.active}


@dataclass(frozen=True, slots=True)
class GateRow:
    """A provider's breaker gate columns (NULL before its first call) and the database clock."""

    provider_id: int
    circuit: str | None
    cooldown_until: dt.datetime | None
    probe_until: dt.datetime | None
    now: dt.datetime


Gates = dict[int, str]


def gates(conn: Conn) -> Gates:
    """Per provider of the current tenant, whether a call may go to it now (breaker.gate)."""
    return {r.provider_id: breaker.gate(r, r.now) for r in fetch_all(conn, GateRow, Q.list_gates)}


def _step(source: str, provider_id: int | None, name: str, kind: str, model: str,
          gate: str = "go") -> dict[str, Any]:
    return {"source": source, "provider_id": provider_id, "name": name, "kind": kind,
            "model": model, "gate": gate, "available": gate in ("go", "probe")}


def chain(routes: list[FeatureRoute], default: ProviderRow | None,
          gate_of: Gates | None = None) -> list[dict[str, Any]]:
    """What a call of the feature tries, in order (as routing.select_route orders it): its
    active assigned providers, then the active default if it is not on the route, then the
    built-in analyser, which always answers. Each step says whether it can take a call now
    (`available`: its breaker is not cooling down or waiting on a probe in flight)."""
    g = gate_of or {}
    steps = [_step("route", r.provider_id, r.name, r.kind, r.model, g.get(r.provider_id, "go"))
             for r in routes if r.active]
    if default is not None and default.id not in {r.provider_id for r in routes if r.active}:
        steps.append(_step("default", default.id, default.name, default.kind, default.model,
                           g.get(default.id, "go")))
    steps.append(_step("local", None, LOCAL_NAME, "local", LOCAL_MODEL))
    return steps


def _shape(name: str, routes: list[FeatureRoute], default: ProviderRow | None,
           gate_of: Gates | None = None) -> dict[str, Any]:
    mine = [r for r in routes if r.feature == name]
    tried = chain(mine, default, gate_of)
    return {
        "name": name, "prompt_version": PROMPTS[name].version,
        "providers": [_route_row(r) for r in mine],
        "fallback": {"default_provider_id": default.id if default else None,
                     "default_provider_name": default.name if default else None,
                     "local": LOCAL_NAME},
        "effective": next(step for step in tried if step["available"]),
        "chain": tried,
    }


def feature_routes(conn: Conn) -> list[FeatureRoute]:
    """Every route of the current tenant with its provider, by feature then priority."""
    return fetch_all(conn, FeatureRoute, Q.list_feature_routes)


def default_provider(conn: Conn) -> ProviderRow | None:
    """The tenant's active default provider, if it has one."""
    return next((r for r in provider_rows(conn) if r.is_default and r.active), None)


def _load(db: Database, p: Principal
          ) -> tuple[list[FeatureRoute], ProviderRow | None, Gates]:
    with db.tenant(p.tenant_id, p.user_id) as conn:
        return feature_routes(conn), default_provider(conn), gates(conn)


def list_features(db: Database, p: Principal) -> list[dict[str, Any]]:
    """Every feature with its route: assigned providers, then the default, then local."""
    routes, default, gate_of = _load(db, p)
    return [_shape(name, routes, default, gate_of) for name in FEATURES]


def feature_providers(db: Database, p: Principal, name: str) -> dict[str, Any]:
    """One feature's route."""
    check_feature(name)
    return _shape(name, *_load(db, p))


def assign(db: Database, p: Principal, name: str, provider_id: int, priority: int,
           meta: RequestMeta | None = None) -> dict[str, Any]:
    """Put a provider of this tenant on a feature's route (or change its priority)."""
    check_feature(name)
    with db.tenant(p.tenant_id, p.user_id) as conn:
        provider = get_row(conn, provider_id)
        row = conn.execute(Q.upsert_feature_route, {
            "feature": name, "provider_id": provider_id, "priority": priority}).fetchone()
        assert row is not None
        audit.record(conn, p.tenant_id, p.user_id, "llm.routes.assign", meta,
                     target_type="llm_provider", target_id=provider_id,
                     after={"feature": name, "priority": priority,
                            "provider": provider.name})
    return {**row, "name": provider.name, "kind": provider.kind, "model": provider.model}


def unassign(db: Database, p: Principal, name: str, provider_id: int,
             meta: RequestMeta | None = None) -> None:
    """Take a provider off a feature's route."""
    check_feature(name)
    with db.tenant(p.tenant_id, p.user_id) as conn:
        gone = conn.execute(Q.delete_feature_route,
                            {"feature": name, "provider_id": provider_id}).fetchone()
        if gone is None:
            raise NotFound("That provider is not on this feature's route.",
                           code="route_not_found")
        audit.record(conn, p.tenant_id, p.user_id, "llm.routes.unassign", meta,
                     target_type="llm_provider", target_id=provider_id,
                     before={"feature": name})


def reorder(db: Database, p: Principal, name: str, provider_ids: list[int],
            meta: RequestMeta | None = None) -> dict[str, Any]:
    """Make `provider_ids` the feature's route, in this order (providers left out come off
    it). Every id must be one of this tenant's providers (404 otherwise, nothing changed)."""
    check_feature(name)
    if len(set(provider_ids)) != len(provider_ids):
        raise ValidationFailed("A provider can be on a route once.",
                               details={"fields": {"provider_ids": "contains duplicates"}})
    with db.tenant(p.tenant_id, p.user_id) as conn:
        for provider_id in provider_ids:
            get_row(conn, provider_id)  # NotFound for another tenant's or a deleted provider
        before = [r.provider_id for r in feature_routes(conn) if r.feature == name]
        conn.execute(Q.delete_feature_routes_except, {"feature": name, "keep": provider_ids})
        for position, provider_id in enumerate(provider_ids, start=1):
            conn.execute(Q.upsert_feature_route, {"feature": name, "provider_id": provider_id,
                                                  "priority": position * 10})
        audit.record(conn, p.tenant_id, p.user_id, "llm.routes.reorder", meta,
                     target_type="llm_feature", target_id=name,
                     before={"provider_ids": before}, after={"provider_ids": provider_ids})
        routes, default, gate_of = feature_routes(conn), default_provider(conn), gates(conn)
    return _shape(name, routes, default, gate_of)
