"""Where a provider sends its requests, and its key.

An `api_base` passes the outbound policy's save-time check (http/https, a host, no refused literal
address: 400 naming api_base); the connect-time check in the client is the real guard, since DNS
can change after saving. A stored key goes where the provider points, so an edit that moves that
destination (scheme, host, port; for Cohere without api_base the model picks the host) needs the
key again in the same request: otherwise anyone who may edit a provider could send the stored,
decrypted key to a host of their choosing on the next call. Comparing scheme+host+port and not
paths: a path on the same origin reaches the same operator.
"""

from __future__ import annotations

from webapp.errors import ValidationFailed
from webapp.llm.rows import ProviderRow
from webapp.security import outbound

# Where litellm sends a request when a provider has no api_base (its built-in defaults).
DEFAULT_BASES = {"openai": "https://api.openai.com/v1", "anthropic": "https://api.anthropic.com",
                 "cohere": "https://api.cohere.com/v2/chat"}
COHERE_V1_BASE = "https://api.cohere.ai/v1/chat"  # litellm's route for "v1/..." Cohere models


def check_api_base(api_base: str | None) -> None:
    """The save-time outbound check of an api_base (400 naming api_base when refused)."""
    if not api_base:
        return
    try:
        outbound.current().check_url(api_base)
    except outbound.OutboundRefused as exc:
        raise ValidationFailed(f"api_base is not allowed: {exc.message}",
                               code="api_base_refused",
                               details={"fields": {"api_base": exc.message}}) from exc


def key_destination(kind: str, model: str | None, api_base: str | None) -> str | None:
    """Where a provider's key is sent (scheme://host:port), or None when it is sent nowhere."""
    base = api_base or DEFAULT_BASES.get(kind)
    if kind == "cohere" and not api_base and "v1/" in (model or ""):
        base = COHERE_V1_BASE  # the model picks the host here (litellm's Cohere v1 route)
    if kind == "local" or not base:
        return None
    try:
        return str(outbound.destination(base))
    except ValueError:
        return base  # not a URL we could send to; still compared as given


def destination_change(row: ProviderRow, new: ProviderRow) -> dict[str, str | None] | None:
    """{"before", "after"} hosts when the edit moves where the key is sent, else None."""
    before = key_destination(row.kind, row.model, row.api_base)
    after = key_destination(new.kind, new.model, new.api_base)
    return None if before == after else {"before": before, "after": after}


def require_key_to_move(row: ProviderRow, new: ProviderRow, key_given: bool) -> None:
    """A stored key may only follow a new destination if the caller gives the key again."""
    moved = destination_change(row, new)
    if moved is None or row.api_key_encrypted is None or key_given:
        return
    raise ValidationFailed(
        f"This change sends the provider's key to {moved['after']} instead of "
        f"{moved['before']}: give api_key again in the same request.",
        code="api_key_required",
        details={"fields": {"api_key": "required when the key's destination changes"},
                 "key_destination": moved})
