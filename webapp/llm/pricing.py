"""Token prices and call cost, in USD per one million tokens.

Precedence: a provider's own override (both prices given) > the project's table below >
litellm's bundled price map > unpriced (None). Unpriced is never 0: the ledger stores NULL and
flags it. The built-in `local` analyser is free by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

PriceSource = Literal["override", "table", "litellm", "local"]

MILLION = Decimal(1_000_000)
COST_QUANTUM = Decimal("0.00000001")


@dataclass(frozen=True)
class Price:
    """USD per one million input and output tokens, and where the numbers came from."""

    input_per_mtok: Decimal
    output_per_mtok: Decimal
    source: PriceSource


# The default models of each kind. litellm 1.110.2's map lacks claude-3-opus-20240229 and
# command-r-plus (retired), and its prices change with every upgrade, so these are pinned here.
PRICE_TABLE: dict[str, tuple[Decimal, Decimal]] = {
    "claude-3-opus-20240229": (Decimal("15"), Decimal("75")),
    "gpt-4-turbo": (Decimal("10"), Decimal("30")),
    "command-r-plus": (Decimal("2.50"), Decimal("10")),
}

# litellm's provider prefixes under which a bare model name may be listed in its map.
_MAP_PREFIXES: dict[str, tuple[str, ...]] = {
    "anthropic": ("anthropic",),
    "openai": ("openai",),
    "cohere": ("cohere_chat", "cohere"),
    "openai_compatible": (),
}


def _decimal(value: Decimal | float | int | str) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _from_litellm_map(kind: str, model: str) -> Price | None:
    """Look `model` up in litellm's bundled map (imports litellm lazily, ~5 s the first time)."""
    from webapp.llm.litellm_loader import load_litellm

    cost_map: dict[str, Any] = getattr(load_litellm(), "model_cost", {}) or {}
    keys = [model] + [f"{prefix}/{model}" for prefix in _MAP_PREFIXES.get(kind, ())]
    for key in keys:
        entry = cost_map.get(key)
        if not isinstance(entry, dict):
            continue
        per_in = entry.get("input_cost_per_token")
        per_out = entry.get("output_cost_per_token")
        if per_in is None or per_out is None:
            continue
        return Price(_decimal(per_in) * MILLION, _decimal(per_out) * MILLION, "litellm")
    return None


def price_for(
    kind: str,
    model: str,
    override_in: Decimal | float | None = None,
    override_out: Decimal | float | None = None,
) -> Price | None:
    """Return the price of `model` for a provider of `kind`, or None when it is unknown."""
    if override_in is not None and override_out is not None:
        return Price(_decimal(override_in), _decimal(override_out), "override")
    if kind == "local":
        return Price(Decimal(0), Decimal(0), "local")
    own = PRICE_TABLE.get(model)
    if own is not None:
        return Price(own[0], own[1], "table")
    if not model:
        return None
    return _from_litellm_map(kind, model)


def cost_usd(price: Price, input_tokens: int, output_tokens: int) -> Decimal:
    """Return the cost of a call in USD, rounded half-up to 8 decimal places."""
    raw = (
        Decimal(max(input_tokens, 0)) * price.input_per_mtok
        + Decimal(max(output_tokens, 0)) * price.output_per_mtok
    ) / MILLION
    return raw.quantize(COST_QUANTUM, rounding=ROUND_HALF_UP)
