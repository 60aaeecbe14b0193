"""Schemathesis hooks of the fuzz passes (tests/schemathesis.toml loads them).

JSON Schema cannot say everything the API is right to refuse. These hooks drop exactly those
"schema-valid request rejected" (ST202) failures, each recognised by the API's own answer, so
that every other ST202 is a real disagreement between the document and the code:

- `cursor`: an opaque token the API handed out; any other string is a 400 naming `cursor`
  (tests/webapp/http/test_hostile_input.py), and no schema can say which strings it made;
- `to` before `from`: a reversed range is a 400 naming `to`; JSON Schema cannot compare values;
- a JSON number with a zero fraction (`671.0`) where the schema says integer: JSON Schema counts
  it as an integer, the API does not (ids are strict, issue 10 section 1.6);
- `api_base_refused`: the deployment's outbound policy (OUTBOUND_ALLOW) refused a
  loopback/private address; which addresses are allowed is configuration, not schema;
- `snoozed_until` or an action item's `due_date` in the past: depends on the clock, not on
  the text;
- `invalid_reset_token`: a password-reset token is one the API e-mailed (like a cursor); no
  schema can say which strings it made;
- `destination_refused`: an integration's URL or host refused by the outbound policy (as
  `api_base_refused`);
- `wrong_password`: the current password of a password change is a secret, not a format;
- `unsupported_media_type`: an upload's type is judged from its bytes;
- a key to give again when a provider's destination moves (`api_key_required`), and fields
  refused for what the data says: an id that names nothing, a non-member, an unknown IANA zone,
  a day that has not ended in the team's zone, a bot token without the stored channel, an
  action item sent back to `proposed` (only the analysis proposes);
- "Invalid workflow": a workflow's trigger, conditions and actions are checked against the
  vocabulary the API serves (GET /workflows/vocabulary), which is data, not schema;
- an integration PATCH naming fields of another integration type (the stored type decides),
  business hours whose start is not before their end (JSON Schema cannot compare values), and a
  notification to a user id who is not a member (data, not format).
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis


def _integral_float(value: Any) -> bool:
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, dict):
        return any(_integral_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_integral_float(v) for v in value)
    return False


def _error(response: Any) -> dict[str, Any]:
    try:
        body = json.loads(response.content)
    except (ValueError, TypeError):
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def message_of(error: dict[str, Any]) -> str:
    return str(error.get("message", ""))


def _inherent(case: Any, error: dict[str, Any]) -> bool:
    """A 400 whose reason no JSON Schema can state (see the module docstring)."""
    fields = error.get("details", {}).get("fields", {}) if isinstance(
        error.get("details"), dict) else {}
    if error.get("code") in ("api_base_refused", "destination_refused", "invalid_reset_token",
                             "wrong_password"):
        return True
    if set(fields) == {"snoozed_until"} and "in the future" in str(fields["snoozed_until"]):
        return True
    if error.get("code") == "api_key_required":
        return True  # a key must be given again when its destination moves (stored state)
    if any(str(v).startswith(("no such", "not a member of this tenant", "unknown IANA",
                              "must be before today", "required with bot_token",
                              "only the analysis proposes items"))
           for v in fields.values()):
        return True  # ids, members, time zones, today and a stored integration's mode are data
    if message_of(error).startswith("Invalid workflow:"):
        return True  # trigger, conditions and actions follow GET /workflows/vocabulary (data)
    if error.get("code") == "unsupported_media_type":
        return True  # an upload's type is judged from its bytes, which no schema describes
    message = str(error.get("message", ""))
    if message.startswith("Not a field of") or "start must be before end" in str(fields):
        return True  # a PATCH's fields depend on the stored integration's type; times compared
    if fields.get("user_id") == "not a member of this tenant":
        return True  # who is a member is data, not format
    if set(fields) == {"due_date"} and "past" in str(fields["due_date"]):
        return True  # like snoozed_until: "not in the past" depends on the clock
    if set(fields) == {"cursor"}:
        return True
    if set(fields) == {"to"} and "on or after from" in str(fields["to"]):
        return True
    integer_msgs = [k for k, v in fields.items() if "valid integer" in str(v)]
    return bool(integer_msgs) and len(integer_msgs) == len(fields) and _integral_float(case.body)


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    if getattr(failure, "code", "") != "ST202" or response.status_code not in (400, 415):
        return True
    return not _inherent(case, _error(response))


@schemathesis.hook
def filter_body(context: Any, body: Any) -> bool:
    return not _integral_float(body)
