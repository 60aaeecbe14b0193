"""A tenant's LLM providers: create, read, change, delete (audited, with history); keys at rest.

Keys are encrypted with SecretBox under MASTER_KEY, bound to the tenant by associated data, and
never leave this module except inside a ProviderConfig handed to the client adapter.

Where a provider sends requests and its key is checked in webapp.llm.destinations: the
outbound policy at save time, and the key given again when an edit moves its destination
(audited with the hosts before and after).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from psycopg import errors as pg
from psycopg.types.json import Jsonb

from webapp.audit import service as audit
from webapp.db import Database
from webapp.db.pool import Conn
from webapp.db.queries import load
from webapp.db.rows import fetch_all, fetch_one
from webapp.errors import Conflict, DependencyDown, NotFound, Unprocessable, ValidationFailed
from webapp.llm import breaker, limits
from webapp.llm.client import DEFAULT_MODELS, ProviderConfig
from webapp.llm.destinations import check_api_base, destination_change, require_key_to_move
from webapp.llm.models import ProviderCreate, ProviderUpdate
from webapp.llm.money import money
from webapp.llm.rows import ProviderRow
from webapp.security.crypto import SecretBox, WrongMasterKey, mask
from webapp.security.principal import Principal, RequestMeta

Q = load(__file__)

# API field -> column, for everything PATCH may change besides the key.
FIELDS: dict[str, str] = {
    "name": "name", "model": "model", "api_base": "api_base", "temperature": "temperature",
    "max_tokens": "max_tokens", "timeout_s": "timeout_s", "requests_per_minute": "rpm",
    "requests_per_day": "rpd", "monthly_budget_usd": "monthly_budget_usd",
    "price_input_per_mtok": "price_input_per_mtok",
    "price_output_per_mtok": "price_output_per_mtok", "active": "active",
    "is_default": "is_default",
}
NOT_NULL = {"name", "model", "temperature", "max_tokens", "timeout_s", "active", "is_default"}
AUDIT_ACTIONS = {"created": "llm.providers.create", "updated": "llm.providers.update",
                 "deleted": "llm.providers.delete"}
DEFAULTS: dict[str, Any] = {"temperature": 0, "max_tokens": 2048, "timeout_s": 30,
                            "active": True, "is_default": False}


class SecretUnreadable(DependencyDown):
    """A stored key cannot be decrypted with this MASTER_KEY (503, never a silent fallback)."""

    code = "secret_unreadable"


def key_aad(tenant_id: int) -> str:
    """Associated data binding a provider key to its tenant."""
    return f"llm_provider_key:tenant:{int(tenant_id)}"


def decrypt_token(box: SecretBox, token: str | None, *, tenant_id: int, provider_id: int,
                  name: str) -> str | None:
    """The plaintext of a provider's stored key (None: it has none), or SecretUnreadable."""
    if not token:
        return None
    try:
        return box.decrypt(token, key_aad(tenant_id))
    except WrongMasterKey as exc:
        raise SecretUnreadable(
            f"The API key of provider {name!r} cannot be decrypted: MASTER_KEY does not "
            "match the key it was stored under. Restore the right MASTER_KEY or re-enter the key.",
            details={"provider_id": provider_id},
        ) from exc


def decrypt_key(box: SecretBox, row: ProviderRow) -> str | None:
    """The plaintext key of a provider row, or SecretUnreadable."""
    return decrypt_token(box, row.api_key_encrypted, tenant_id=row.tenant_id,
                         provider_id=row.id, name=row.name)


def to_config(box: SecretBox, row: ProviderRow) -> ProviderConfig:
    """The call configuration of a provider row (decrypts its key)."""
    return ProviderConfig(
        kind=row.kind, model=row.model, api_key=decrypt_key(box, row),
        api_base=row.api_base, temperature=float(row.temperature),
        max_tokens=int(row.max_tokens), timeout_s=float(row.timeout_s),
        price_in=row.price_input_per_mtok, price_out=row.price_output_per_mtok,
    )


def public(row: ProviderRow) -> dict[str, Any]:
    """The API shape of a provider: the key only as a masked hint."""
    return {
        "id": row.id, "name": row.name, "kind": row.kind, "model": row.model,
        "api_base": row.api_base, "api_key_hint": row.api_key_hint,
        "has_api_key": row.api_key_encrypted is not None,
        "temperature": float(row.temperature), "max_tokens": row.max_tokens,
        "timeout_s": float(row.timeout_s), "requests_per_minute": row.rpm,
        "requests_per_day": row.rpd, "monthly_budget_usd": money(row.monthly_budget_usd),
        "price_input_per_mtok": money(row.price_input_per_mtok),
        "price_output_per_mtok": money(row.price_output_per_mtok),
        "active": row.active, "is_default": row.is_default,
        "created_at": row.created_at, "updated_at": row.updated_at,
    }


def _jsonable(value: Any) -> Any:
    return format(value, "f") if isinstance(value, Decimal) else value


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Field-by-field changes between two public shapes (the key appears as its hint)."""
    skip = {"created_at", "updated_at", "id"}
    return {k: {"before": _jsonable(before.get(k)), "after": _jsonable(v)}
            for k, v in after.items() if k not in skip and before.get(k) != v}


def _params(values: dict[str, Any]) -> dict[str, Any]:
    return {col: values.get(col)
            for col in (*FIELDS.values(), "api_key_encrypted", "api_key_hint")}


def _write_history(conn: Conn, p: Principal, provider_id: int, action: str,
                   changes: dict[str, Any], meta: RequestMeta | None,
                   key_moved: dict[str, Any] | None = None) -> None:
    conn.execute(Q.insert_history, {"provider_id": provider_id, "actor": p.user_id,
                                    "action": action, "changes": Jsonb(changes)})
    details: dict[str, Any] = {"changes": changes}
    if key_moved is not None:
        details["key_destination"] = key_moved
    audit.record(conn, p.tenant_id, p.user_id, AUDIT_ACTIONS[action], meta,
                 target_type="llm_provider", target_id=provider_id, details=details)


def _name_taken(exc: pg.UniqueViolation) -> Conflict:
    if exc.diag.constraint_name == "llm_providers_name_key":
        return Conflict("A provider with that name already exists.", code="provider_name_taken")
    return Conflict("That already exists.")


PRICE_FIELDS = ("price_input_per_mtok", "price_output_per_mtok")
BUDGET_PRICE_FIELDS = {"model", "monthly_budget_usd", *PRICE_FIELDS}


def check_budget_priced(kind: str, model: str, budget: Decimal | None,
                        price_in: Decimal | None, price_out: Decimal | None) -> None:
    """Refuse a monthly budget on a model whose price is unknown: every call would be refused.

    The limits hold an upper bound of a call's cost against the budget before the call; with no
    price there is no bound, so such a provider would silently never be called."""
    if limits.budget_unpriced(kind, model, budget, price_in, price_out):
        why = "required: monthly_budget_usd is set and the model's price is unknown"
        raise Unprocessable(limits.unpriced_budget_message(model),
                            code="budget_needs_price",
                            details={"fields": dict.fromkeys(PRICE_FIELDS, why)})


def create_provider(db: Database, box: SecretBox, p: Principal, body: ProviderCreate,
                    meta: RequestMeta | None = None) -> dict[str, Any]:
    """Store a new provider (key encrypted), its health row, history and audit entry.

    An active provider becomes the tenant's default when it has no active default: otherwise
    a tenant that adds its only provider would go on analysing with the built-in analyser
    until it found the `is_default` flag (an activated provider is treated the same way)."""
    values: dict[str, Any] = {**DEFAULTS}
    for field, col in FIELDS.items():
        if getattr(body, field) is not None:
            values[col] = getattr(body, field)
    values["kind"] = body.kind
    values["model"] = body.model or DEFAULT_MODELS.get(body.kind)
    if not values["model"]:
        raise ValidationFailed("openai_compatible providers need a model.",
                               details={"fields": {"model": "required for this kind"}})
    check_budget_priced(body.kind, values["model"], values.get("monthly_budget_usd"),
                        values.get("price_input_per_mtok"), values.get("price_output_per_mtok"))
    check_api_base(body.api_base)
    if body.api_key:
        values["api_key_encrypted"] = box.encrypt(body.api_key, key_aad(p.tenant_id))
        values["api_key_hint"] = mask(body.api_key)
    with db.tenant(p.tenant_id, p.user_id) as conn:
        if values["active"] and not has_active_default(conn):
            values["is_default"] = True  # a tenant's first active provider is its default
        if values["is_default"]:
            conn.execute(Q.clear_default, {"id": 0})
        try:
            with conn.transaction():
                row = fetch_one(conn, ProviderRow, Q.insert_provider,
                                {**_params(values), "kind": body.kind})
        except pg.UniqueViolation as exc:
            raise _name_taken(exc) from exc
        assert row is not None
        breaker.ensure_health(conn, row.id)
        shape = public(row)
        _write_history(conn, p, row.id, "created", _diff({}, shape), meta)
    return shape


def has_active_default(conn: Conn, other_than: int = 0) -> bool:
    """Whether the current tenant has an active default provider (besides `other_than`)."""
    return conn.execute(Q.select_active_default, {"id": other_than}).fetchone() is not None


def list_providers(db: Database, p: Principal) -> list[dict[str, Any]]:
    """The tenant's providers."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        return [public(r) for r in provider_rows(conn)]


def provider_rows(conn: Conn) -> list[ProviderRow]:
    """The current tenant's providers as stored (deleted ones excluded), oldest first."""
    return fetch_all(conn, ProviderRow, Q.list_providers)


def get_row(conn: Conn, provider_id: int, *, lock: bool = False) -> ProviderRow:
    """A provider row of the current tenant, or NotFound (also for another tenant's id)."""
    row = fetch_one(conn, ProviderRow, Q.lock_provider if lock else Q.get_provider,
                    {"id": provider_id})
    if row is None:
        raise NotFound("No such provider.", code="provider_not_found")
    return row


def get_provider(db: Database, p: Principal, provider_id: int) -> dict[str, Any]:
    """One provider."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        return public(get_row(conn, provider_id))


def _apply(box: SecretBox, tenant_id: int, row: ProviderRow,
           body: ProviderUpdate) -> ProviderRow:
    """The row with the PATCH applied, validated as a whole."""
    new = dataclasses.replace(row, **_changes(box, tenant_id, row, body))
    if (new.price_input_per_mtok is None) != (new.price_output_per_mtok is None):
        raise Unprocessable("Give both price overrides or neither.",
                            details={"fields": {"price_input_per_mtok": "both or neither"}})
    if row.kind == "openai_compatible" and not new.api_base:
        raise Unprocessable("openai_compatible providers need an api_base.",
                            details={"fields": {"api_base": "required for this kind"}})
    if row.kind == "local" and new.api_base:
        raise Unprocessable("The local provider takes no api_base.",
                            details={"fields": {"api_base": "not allowed for local"}})
    if body.model_fields_set & BUDGET_PRICE_FIELDS:  # other changes (e.g. active) stay possible
        check_budget_priced(row.kind, new.model, new.monthly_budget_usd,
                            new.price_input_per_mtok, new.price_output_per_mtok)
    if "api_base" in body.model_fields_set:
        check_api_base(new.api_base)
    require_key_to_move(row, new, "api_key" in body.model_fields_set)
    return new


def _changes(box: SecretBox, tenant_id: int, row: ProviderRow,
             body: ProviderUpdate) -> dict[str, Any]:
    """The columns the PATCH sets (the key encrypted), each checked on its own."""
    values: dict[str, Any] = {}
    for field in body.model_fields_set - {"api_key"}:
        value = getattr(body, field)
        if value is None and field in NOT_NULL:
            raise ValidationFailed(f"{field} cannot be null.",
                                   details={"fields": {field: "cannot be null"}})
        values[FIELDS[field]] = value
    if "api_key" in body.model_fields_set:
        if body.api_key is None and row.kind in ("anthropic", "openai", "cohere"):
            raise Unprocessable("This kind of provider needs an API key.",
                                details={"fields": {"api_key": "cannot be removed"}})
        if body.api_key is not None and row.kind == "local":
            raise Unprocessable("The local provider takes no API key.",
                                details={"fields": {"api_key": "not allowed for local"}})
        values["api_key_encrypted"] = (box.encrypt(body.api_key, key_aad(tenant_id))
                                       if body.api_key else None)
        values["api_key_hint"] = mask(body.api_key) if body.api_key else None
    return values


def update_provider(db: Database, box: SecretBox, p: Principal, provider_id: int,
                    body: ProviderUpdate, meta: RequestMeta | None = None) -> dict[str, Any]:
    """Change a provider; every change is kept in its history and audited."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = get_row(conn, provider_id, lock=True)
        values = _apply(box, p.tenant_id, row, body)
        if (values.active and not row.active and not values.is_default
                and not has_active_default(conn, provider_id)):
            values = dataclasses.replace(values, is_default=True)  # as if added now
        if values.is_default:
            conn.execute(Q.clear_default, {"id": provider_id})
        try:
            with conn.transaction():
                new = fetch_one(conn, ProviderRow, Q.update_provider,
                                {**_params(dataclasses.asdict(values)), "id": provider_id})
        except pg.UniqueViolation as exc:
            raise _name_taken(exc) from exc
        assert new is not None
        changes = _diff(public(row), public(new))
        if changes:
            _write_history(conn, p, provider_id, "updated", changes, meta,
                           destination_change(row, new))
    return public(new)


def delete_provider(db: Database, p: Principal, provider_id: int,
                    meta: RequestMeta | None = None) -> None:
    """Soft-delete a provider and take it off every route (its ledger rows stay)."""
    with db.tenant(p.tenant_id, p.user_id) as conn:
        row = get_row(conn, provider_id, lock=True)
        conn.execute(Q.soft_delete_provider, {"id": provider_id})
        conn.execute(Q.delete_provider_routes, {"id": provider_id})
        _write_history(conn, p, provider_id, "deleted", {"name": {"before": row.name,
                                                                  "after": None}}, meta)


def provider_changes(conn: Conn, provider_id: int, limit: int = 200) -> list[dict[str, Any]]:
    """A provider's configuration changes, newest first."""
    return conn.execute(Q.list_history, {"id": provider_id, "limit": limit}).fetchall()
