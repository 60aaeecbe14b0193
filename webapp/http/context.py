"""Per-request helpers shared by routes: the database, request metadata, denial auditing."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, g, request

from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.watermark_cache import WatermarkCache
from webapp.llm.routing import LLMContext
from webapp.security.crypto import SecretBox
from webapp.security.principal import Principal, RequestMeta

log = logging.getLogger(__name__)


REQUEST_DB = "mf_request_db"  # set by webapp.http.request_tx while a request holds a transaction
HOLD_TRANSACTION = "mf_hold_transaction"  # set by endpoints declared with reuse_transaction=True


def db() -> Database:
    """The process's database (opened by create_app), or this request's view of it while the
    request holds the transaction that loaded its principal (see webapp.http.request_tx)."""
    held: Database | None = g.get(REQUEST_DB)
    if held is not None:
        return held
    database: Database = current_app.extensions["mf_db"]
    return database


def llm_context() -> LLMContext:
    """The database and this app's secret box (MASTER_KEY, built once per app): what a call
    through the LLM routing layer needs."""
    ext = current_app.extensions
    box = ext.get("mf_llm_box")
    if box is None:
        box = ext["mf_llm_box"] = SecretBox(ext["mf_settings"].master_key)
    return LLMContext(db(), box)


def read_cache(name: str, max_age: float = 30.0) -> WatermarkCache[Any]:
    """This app's cache for one kind of read (see webapp/db/watermark_cache.py); `max_age`
    applies when the first call creates it."""
    caches: dict[str, WatermarkCache[Any]] = current_app.extensions.setdefault(
        "mf_read_caches", {})
    cache = caches.get(name)
    if cache is None:
        cache = caches.setdefault(name, WatermarkCache(max_age=max_age))
    return cache


def base_db() -> Database:
    """The process's database, never a request's view of it."""
    database: Database = current_app.extensions["mf_db"]
    return database


def request_meta() -> RequestMeta:
    """The real peer address (ProxyFix applies TRUSTED_PROXIES) and user agent."""
    return RequestMeta(ip=request.remote_addr, user_agent=request.headers.get("User-Agent"))


def audit_denial(principal: Principal, action: str) -> None:
    """Write a `denied` audit row in its own transaction (the request is about to fail)."""
    try:
        with db().tenant(principal.tenant_id, principal.user_id) as conn:
            audit.record(
                conn, principal.tenant_id, principal.user_id, action, request_meta(),
                outcome="denied", details={"method": request.method, "path": request.path},
            )
    except Exception:  # noqa: BLE001 - a failed audit write must not mask the 403
        log.exception("could not audit a denial")
