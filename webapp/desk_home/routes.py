"""Desk home endpoints (/api/v1): important messages, the day digest, the dashboard."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from webapp.desk_home import daily, dashboard, important
from webapp.desk_home.models import (
    DailySummary,
    DailySummaryListQuery,
    DailySummaryQuery,
    Dashboard,
    DashboardQuery,
    DaySummaryList,
    ImportantChange,
    ImportantList,
    ImportantMessage,
    ImportantQuery,
)
from webapp.http.api import Call, endpoint
from webapp.http.context import base_db, db, llm_context, read_cache
from webapp.llm.routing import LLMContext
from webapp.security import rbac

bp = Blueprint("desk_home", __name__, url_prefix="/api/v1")

READ, UPDATE = "conversations.read", "important.update"


@endpoint(bp, "/important-messages", permission=READ, query=ImportantQuery,
          response=ImportantList)
def list_important(call: Call[None, ImportantQuery]) -> dict[str, Any]:
    """Important messages, newest first (filters: status, priority, since, conversation_id,
    assignee=me)."""
    q = call.query
    filters = important.Filters(
        status=q.status, priority=q.priority, since=q.since, conversation_id=q.conversation_id,
        assignee_id=call.who.user_id if q.assignee == "me" else None)
    return important.list_important(db(), call.who, filters, q.limit, q.cursor)


@endpoint(bp, "/important-messages/<int:important_id>", permission=READ,
          response=ImportantMessage)
def get_important(call: Call[None, None], important_id: int) -> dict[str, Any]:
    """One important message."""
    return important.get_important(db(), call.who, important_id)


@endpoint(bp, "/important-messages/<int:important_id>", method="PATCH", permission=UPDATE,
          body=ImportantChange, response=ImportantMessage)
def update_important(call: Call[ImportantChange, None], important_id: int) -> dict[str, Any]:
    """Acknowledge, dismiss, reopen or re-prioritise (who and when are kept; the change is
    feedback on the model's call)."""
    b = call.body
    return important.update_important(db(), call.who, important_id, b.status, b.priority,
                                      call.meta)


@endpoint(bp, "/daily-summary", permission=READ, query=DailySummaryQuery,
          response=DailySummary,
          errors={202: "The digest is being generated (status pending, job_id)."})
def get_daily_summary(call: Call[None, DailySummaryQuery]) -> Response:
    """A day's digest (default: yesterday in the team's time zone); 202 with a job id while it
    is generated on demand; a failed generation is an error state with its reason."""
    ctx = LLMContext(base_db(), llm_context().box)
    answer = daily.get_day(ctx, call.who, call.query.date, retry=call.query.retry,
                           can_generate=rbac.allowed(call.who.role, "analysis.run"))
    resp = jsonify(answer.body)
    resp.status_code = answer.status
    return resp


@endpoint(bp, "/daily-summaries", permission=READ, query=DailySummaryListQuery,
          response=DaySummaryList)
def list_daily_summaries(call: Call[None, DailySummaryListQuery]) -> dict[str, Any]:
    """Days with a digest (or a generation in progress or failed), newest first."""
    return daily.list_days(db(), call.who, call.query.limit, call.query.cursor)


@endpoint(bp, "/dashboard", permission=READ, query=DashboardQuery, response=Dashboard,
          reuse_transaction=True)
def get_dashboard(call: Call[None, DashboardQuery]) -> dict[str, Any]:
    """Counters of the window (today, 7d, 30d) and the desk's current state."""
    return dashboard.dashboard(db(), call.who, call.query.window,
                               with_costs=rbac.allowed(call.who.role, "costs.read"),
                               caches=dashboard.Caches(
                                   read_cache("dashboard"),
                                   read_cache("dashboard_items", max_age=dashboard.ITEMS_MAX_AGE),
                                   read_cache(f"dashboard_first_response_{call.query.window}",
                                              max_age=dashboard.FIRST_RESPONSE_MAX_AGE[
                                                  call.query.window])))
