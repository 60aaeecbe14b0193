"""Price precedence and cost arithmetic."""

from __future__ import annotations

from decimal import Decimal
from types import ModuleType

import pytest

from webapp.llm.pricing import Price, cost_usd, price_for


@pytest.mark.parametrize(
    ("kind", "model", "cost"),
    [
        ("openai", "gpt-4-turbo", Decimal("0.025")),
        ("anthropic", "claude-3-opus-20240229", Decimal("0.0525")),
        ("cohere", "command-r-plus", Decimal("0.0075")),
    ],
)
def test_own_table_prices_the_default_models(kind: str, model: str, cost: Decimal) -> None:
    price = price_for(kind, model)
    assert price is not None and price.source == "table"
    assert cost_usd(price, 1000, 500) == cost


def test_override_wins_only_when_both_prices_are_given() -> None:
    price = price_for("openai", "gpt-4-turbo", Decimal("1"), Decimal("2"))
    assert price == Price(Decimal("1"), Decimal("2"), "override")
    partial = price_for("openai", "gpt-4-turbo", Decimal("1"), None)
    assert partial is not None and partial.source == "table"


def test_litellm_map_is_the_fallback(litellm_module: ModuleType) -> None:
    price = price_for("openai", "gpt-4o")
    assert price is not None and price.source == "litellm"
    assert (price.input_per_mtok, price.output_per_mtok) == (Decimal("2.5"), Decimal("10"))
    cohere = price_for("cohere", "command-r-plus-08-2024")
    assert cohere is not None and cohere.source == "litellm"


def test_unknown_model_is_unpriced_not_free(litellm_module: ModuleType) -> None:
    assert price_for("openai_compatible", "my-finetune-7b") is None
    assert price_for("anthropic", "claude-99-imaginary") is None


def test_local_is_free() -> None:
    price = price_for("local", "messageflow-heuristic-v1")
    assert price is not None and cost_usd(price, 10_000, 10_000) == Decimal(0)


def test_cost_is_a_decimal_rounded_to_8_places() -> None:
    price = Price(Decimal("2.5"), Decimal("10"), "table")
    cost = cost_usd(price, 1, 1)
    assert isinstance(cost, Decimal) and cost == Decimal("0.00001250")
    assert cost_usd(Price(Decimal("0.15"), Decimal("0"), "table"), 1, 0) == Decimal("0.00000015")
    assert cost_usd(Price(Decimal("0.001"), Decimal("0"), "table"), 5, 0) == Decimal("0.00000001")
