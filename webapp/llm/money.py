"""Money on the wire: USD as decimal strings with 6 places (the ledger keeps 8)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

SIX_PLACES = Decimal("0.000001")


def money(value: Decimal | int | float | str | None) -> str | None:
    """`Decimal("0.0525")` -> `"0.052500"`; None stays None (unpriced, never 0)."""
    if value is None:
        return None
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    return format(amount.quantize(SIX_PLACES, rounding=ROUND_HALF_UP), "f")


def money0(value: Decimal | int | float | str | None) -> str:
    """Like money() but a missing sum is "0.000000" (totals over no priced calls)."""
    return money(value if value is not None else 0) or "0.000000"
