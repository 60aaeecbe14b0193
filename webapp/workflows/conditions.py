"""Whether a run satisfies a workflow's conditions (pure functions over its context: the
message, conversation, action item or due time it is about)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from webapp.workflows import safe_regex

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RANK = {"low": 0, "normal": 1, "medium": 1, "high": 2, "urgent": 3}


def _priority(cond: dict[str, Any], ctx: dict[str, Any]) -> bool:
    have = ctx.get("analysis_priority") or ctx.get("conversation_priority") or "normal"
    return RANK.get(str(have), 1) >= RANK[cond["value"]]


def _attribute(cond: dict[str, Any], ctx: dict[str, Any]) -> bool:
    attrs = ctx.get("contact_attributes") or {}
    return cond["key"] in attrs and str(attrs[cond["key"]]) == str(cond["value"])


def _business_hours(cond: dict[str, Any], ctx: dict[str, Any]) -> bool:
    """Whether the message's time, in the tenant's time zone, falls in that weekday's hours."""
    sent = ctx.get("sent_at")
    if not isinstance(sent, dt.datetime):
        return False
    try:
        local = sent.astimezone(ZoneInfo(str(ctx.get("timezone") or "UTC")))
    except (ZoneInfoNotFoundError, ValueError):
        local = sent.astimezone(dt.UTC)
    day: dict[str, Any] = (ctx.get("business_hours") or {}).get(WEEKDAYS[local.weekday()]) or {}
    within = bool(day) and str(day.get("start", "")) <= local.strftime("%H:%M") < str(
        day.get("end", ""))
    return within == cond["value"]


def _text(ctx: dict[str, Any]) -> str:
    return str(ctx.get("text") or "")


LEAVES: dict[str, Callable[[dict[str, Any], dict[str, Any]], bool]] = {
    "text_contains": lambda c, x: str(c["value"]).lower() in _text(x).lower(),
    "text_matches": lambda c, x: safe_regex.search(str(c["pattern"]), _text(x)),
    "sender": lambda c, x: str(c["value"]).lstrip("+") in str(x.get("sender_jid") or ""),
    "chat": lambda c, x: bool(x.get("conversation_id") == c["conversation_id"]),
    "is_group": lambda c, x: bool(x.get("is_group")) == c["value"],
    "device": lambda c, x: bool(x.get("device_id") == c["device_id"]),
    "label": lambda c, x: c["label_id"] in (x.get("label_ids") or []),
    "priority_at_least": _priority,
    "sentiment": lambda c, x: bool(x.get("sentiment") == c["value"]),
    "language": lambda c, x: str(x.get("language") or "").lower() == str(c["value"]).lower(),
    "is_important": lambda c, x: bool(x.get("is_important")) == c["value"],
    "contact_attribute": _attribute,
    "within_business_hours": _business_hours,
    "item_priority_at_least": lambda c, x: x.get("item_priority") is not None and RANK.get(
        str(x["item_priority"]), 1) >= RANK[c["value"]],
    "item_status": lambda c, x: bool(x.get("item_status") == c["value"]),
    "item_assignee": lambda c, x: bool(x.get("item_assignee_id") == c["user_id"]),
    "item_is_assigned": lambda c, x: (x.get("item_assignee_id") is not None) == c["value"],
}


def _leaf(cond: dict[str, Any], ctx: dict[str, Any]) -> bool:
    check = LEAVES.get(cond["type"])
    return check is not None and check(cond, ctx)


def matches(conditions: dict[str, Any], ctx: dict[str, Any]) -> bool:
    """True when the (already validated) conditions hold; no conditions always match."""
    if not conditions:
        return True
    if "type" in conditions:
        return _leaf(conditions, ctx)
    if "all" in conditions:
        return all(matches(c, ctx) for c in conditions["all"])
    if "any" in conditions:
        return any(matches(c, ctx) for c in conditions["any"])
    return False
