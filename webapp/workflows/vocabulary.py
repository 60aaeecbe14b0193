"""What a workflow may say: its triggers, conditions and actions with their parameters (as
data, served at GET /api/v1/workflows/vocabulary), and the validation of a definition against
it. A refused definition is a 400 whose `details.fields` names the JSON path of every problem
(`actions[1].type`, `conditions.all[0].pattern`)."""

from __future__ import annotations

from typing import Any

from webapp.errors import ValidationFailed
from webapp.workflows import safe_regex, schedule

MAX_CONDITIONS = 50
MAX_ACTIONS = 20
MAX_TEXT = 2000

PRIORITIES = ["low", "normal", "high", "urgent"]
STATUSES = ["open", "pending", "resolved"]
SENTIMENTS = ["positive", "neutral", "negative"]

# A parameter: (type, required, description[, choices]).
Param = dict[str, Any]


def _p(kind: str, required: bool, description: str, choices: list[str] | None = None,
       max_length: int | None = None, maximum: int | None = None) -> Param:
    out: Param = {"type": kind, "required": required, "description": description}
    if choices:
        out["choices"] = choices
    if max_length:
        out["max_length"] = max_length
    if maximum:
        out["maximum"] = maximum
    return out


ITEM_STATUSES = ["proposed", "todo", "in_progress", "blocked", "done", "rejected"]
ROLES = ["member", "manager", "admin", "owner"]
MAX_UNANSWERED_MINUTES = 7 * 24 * 60

TRIGGERS: dict[str, dict[str, Any]] = {
    "message.received": {"description": "An inbound WhatsApp message was stored (after ingest; "
                                        "messages brought by history sync do not count).",
                         "params": {}},
    "message.analyzed": {"description": "The AI analysis of an inbound message was stored.",
                         "params": {}},
    "action_item.created": {"description": "An action item was created (by a member, an "
                                           "incoming webhook, or proposed by the analysis). "
                                           "Items created by workflows do not count.",
                            "params": {}},
    "action_item.status_changed": {
        "description": "An action item moved to another status (optionally only from and/or "
                       "to a given one).",
        "params": {"from": _p("string", False, "only when it left this status", ITEM_STATUSES),
                   "to": _p("string", False, "only when it entered this status",
                            ITEM_STATUSES)}},
    "conversation.unanswered": {
        "description": "An inbound message has had no answer for N minutes (once per "
                       "unanswered stretch; resolved conversations are left alone).",
        "params": {"minutes": _p("integer", True, "minutes without an answer",
                                 maximum=MAX_UNANSWERED_MINUTES),
                   "business_hours_only": _p("boolean", False, "count only minutes within "
                                                             "the team's business hours")}},
    "schedule": {"description": "On a schedule: a 5-field cron expression (minute hour "
                                "day-of-month month day-of-week) in the team's time zone.",
                 "params": {"cron": _p("string", True, "e.g. 0 9 * * mon-fri",
                                       max_length=100)}},
}
MESSAGE_TRIGGERS = ["message.received", "message.analyzed", "conversation.unanswered"]
ITEM_TRIGGERS = ["action_item.created", "action_item.status_changed"]
CONTEXT_TRIGGERS = MESSAGE_TRIGGERS + ITEM_TRIGGERS  # a message and/or conversation to read

CONDITIONS: dict[str, dict[str, Any]] = {
    "text_contains": {"description": "The message text contains a phrase (ignoring case).",
                      "params": {"value": _p("string", True, "the phrase", max_length=200)}},
    "text_matches": {"description": "The message text matches a regular expression (ignoring "
                                    "case; nested quantifiers and back-references refused).",
                     "params": {"pattern": _p("string", True, "the expression",
                                              max_length=safe_regex.MAX_LENGTH)}},
    "sender": {"description": "The sender's WhatsApp id or phone contains this value.",
               "params": {"value": _p("string", True, "e.g. 4915112345678", max_length=100)}},
    "chat": {"description": "The message is in this conversation.",
             "params": {"conversation_id": _p("integer", True, "conversation id")}},
    "is_group": {"description": "The message is in a group chat (or not).",
                 "params": {"value": _p("boolean", True, "true for groups")}},
    "device": {"description": "The message reached this WhatsApp number.",
               "params": {"device_id": _p("integer", True, "device id")}},
    "label": {"description": "The conversation carries this label.",
              "params": {"label_id": _p("integer", True, "label id")}},
    "priority_at_least": {"description": "The analysed priority (else the conversation's) is at "
                                         "least this.",
                          "params": {"value": _p("string", True, "priority", PRIORITIES)}},
    "sentiment": {"description": "The analysed sentiment.",
                  "params": {"value": _p("string", True, "sentiment", SENTIMENTS)}},
    "language": {"description": "The analysed language (ISO code such as en, de).",
                 "params": {"value": _p("string", True, "language code", max_length=20)}},
    "is_important": {"description": "The analysis marked the message important (or not).",
                     "params": {"value": _p("boolean", True, "true for important")}},
    "within_business_hours": {"description": "The message was sent within the team's business "
                                             "hours (its time zone), or outside them with false.",
                              "params": {"value": _p("boolean", True, "true: within hours")}},
    "contact_attribute": {"description": "The sender's contact has an attribute with this value.",
                          "params": {"key": _p("string", True, "attribute name", max_length=100),
                                     "value": _p("string", True, "expected value",
                                                 max_length=200)}},
    "item_priority_at_least": {"description": "The action item's priority is at least this.",
                               "params": {"value": _p("string", True, "priority", PRIORITIES)},
                               "triggers": ITEM_TRIGGERS},
    "item_status": {"description": "The action item's status (now).",
                    "params": {"value": _p("string", True, "status", ITEM_STATUSES)},
                    "triggers": ITEM_TRIGGERS},
    "item_assignee": {"description": "The action item is assigned to this member.",
                      "params": {"user_id": _p("integer", True, "member id")},
                      "triggers": ITEM_TRIGGERS},
    "item_is_assigned": {"description": "The action item has an assignee (or not, with false).",
                         "params": {"value": _p("boolean", True, "true: assigned")},
                         "triggers": ITEM_TRIGGERS},
}
# Which triggers each condition reads something for (the builder offers only those; using
# another is a 400): message facts need a message or conversation (an action item's are
# those of its source message or conversation); business hours work for every trigger (a
# schedule's due time, an action item's event time).
for _name, _spec in CONDITIONS.items():
    _spec.setdefault("triggers", list(TRIGGERS) if _name == "within_business_hours"
                     else CONTEXT_TRIGGERS)

ACTIONS: dict[str, dict[str, Any]] = {
    "create_action_item": {
        "description": "Create an action item linked to the conversation and message.",
        "params": {"title": _p("string", True, "title; {{message.text}}, {{contact.name}}, "
                                               "{{conversation.title}} are filled in",
                               max_length=200),
                   "priority": _p("string", False, "priority", PRIORITIES),
                   "assignee_id": _p("integer", False, "member to assign")}},
    "assign_conversation": {
        "description": "Assign the conversation to a member (user_id), or round-robin over "
                       "the members with a role (role): the online ones, else all of them.",
        "params": {"user_id": _p("integer", False, "member id (or give role)"),
                   "role": _p("string", False, "round-robin over members with this role "
                                               "(or give user_id)", ROLES)}},
    "add_label": {"description": "Put a label on the conversation.",
                  "params": {"label_id": _p("integer", True, "label id")}},
    "set_priority": {"description": "Set the conversation's priority.",
                     "params": {"priority": _p("string", True, "priority", PRIORITIES)}},
    "set_status": {"description": "Set the conversation's status.",
                   "params": {"status": _p("string", True, "status", STATUSES)}},
    "notify": {"description": "Notify members (by id) and/or every member of a role and up.",
               "params": {"user_ids": _p("integer[]", False, "member ids"),
                          "role": _p("string", False, "role and up",
                                     ROLES),
                          "title": _p("string", True, "notification title (template)",
                                      max_length=200)}},
    "reply": {"description": "Reply on WhatsApp from a canned response or a text template "
                             "(sent as automation; never triggers message.received).",
              "params": {"canned_response_id": _p("integer", False, "canned response id"),
                         "text": _p("string", False, "text template", max_length=MAX_TEXT)}},
    "send_slack": {"description": "Post to a Slack integration (through the delivery queue).",
                   "params": {"integration_id": _p("integer", True, "Slack integration id"),
                              "text": _p("string", True, "message template",
                                         max_length=MAX_TEXT)}},
    "send_email": {"description": "Send an e-mail through an e-mail integration.",
                   "params": {"integration_id": _p("integer", True, "e-mail integration id"),
                              "to": _p("string", True, "recipient address", max_length=254),
                              "subject": _p("string", True, "subject template", max_length=200),
                              "text": _p("string", True, "body template", max_length=MAX_TEXT)}},
    "call_webhook": {"description": "POST the message to a webhook integration (signed).",
                     "params": {"integration_id": _p("integer", True, "webhook integration id")}},
}
CONVERSATION_ACTIONS = ("assign_conversation", "add_label", "set_priority", "set_status", "reply")
for _name, _spec in ACTIONS.items():
    _spec.setdefault("triggers", CONTEXT_TRIGGERS if _name in CONVERSATION_ACTIONS
                     else list(TRIGGERS))


def vocabulary() -> dict[str, Any]:
    """The vocabulary as data, for builders and clients."""
    def listed(table: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"type": name, **spec} for name, spec in table.items()]
    return {"triggers": listed(TRIGGERS), "conditions": listed(CONDITIONS),
            "actions": listed(ACTIONS),
            "condition_groups": ["all", "any"],
            "limits": {"conditions": MAX_CONDITIONS, "actions": MAX_ACTIONS,
                       "regex_length": safe_regex.MAX_LENGTH}}


class _Check:
    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self.trigger: str | None = None  # the (valid) trigger type, when known

    def fits(self, path: str, kind: str, spec: dict[str, Any]) -> None:
        """Refuse a condition or action the trigger gives nothing to work on."""
        if self.trigger is not None and self.trigger not in spec["triggers"]:
            self.bad(f"{path}.type", f"{kind} does not apply to trigger {self.trigger}")

    def bad(self, path: str, problem: str) -> None:
        self.fields.setdefault(path, problem)

    def params(self, path: str, spec: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"type": item["type"]}
        for key in item:
            if key != "type" and key not in spec["params"]:
                self.bad(f"{path}.{key}", "unknown parameter")
        for key, p in spec["params"].items():
            value = item.get(key)
            if value is None:
                if p["required"]:
                    self.bad(f"{path}.{key}", "required")
                continue
            problem = _type_problem(p, value)
            if problem:
                self.bad(f"{path}.{key}", problem)
            else:
                out[key] = value
        return out


def _string_problem(p: Param, value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    if "\x00" in value:
        return "cannot contain NUL"
    if p.get("max_length") and len(value) > p["max_length"]:
        return f"at most {p['max_length']} characters"
    if p.get("choices") and value not in p["choices"]:
        return "one of: " + ", ".join(p["choices"])
    return None


def _type_problem(p: Param, value: Any) -> str | None:
    kind = p["type"]
    if kind == "string":
        return _string_problem(p, value)
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
            return "must be a positive integer"
        if p.get("maximum") and value > p["maximum"]:
            return f"at most {p['maximum']}"
    elif kind == "boolean":
        if not isinstance(value, bool):
            return "must be true or false"
    elif kind == "integer[]":
        if not isinstance(value, list) or len(value) > 50 or not all(
                isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**63 for v in value):
            return "must be a list of at most 50 positive integers"
    return None


def _count_conditions(conditions: Any) -> int:
    if isinstance(conditions, dict):
        return sum(_count_conditions(v) for k, v in conditions.items() if k in ("all", "any")) \
            or (1 if "type" in conditions else 0)
    if isinstance(conditions, list):
        return sum(max(1, _count_conditions(c)) for c in conditions)
    return 1


def _condition(c: _Check, path: str, item: Any, depth: int) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        c.bad(path, "must be an object")
        return None
    groups = [k for k in ("all", "any") if k in item]
    if groups:
        if depth >= 1:
            c.bad(path, "groups nest one level only")
            return None
        return _group(c, path, item, depth + 1)
    name = item.get("type")
    if not isinstance(name, str) or name not in CONDITIONS:
        c.bad(f"{path}.type", f"unknown condition {name!r}" if name is not None else "required")
        return None
    out = c.params(path, CONDITIONS[name], item)
    c.fits(path, name, CONDITIONS[name])
    if name == "text_matches" and isinstance(out.get("pattern"), str):
        problem = safe_regex.problem(out["pattern"])
        if problem:
            c.bad(f"{path}.pattern", problem)
    return out


def _group(c: _Check, path: str, item: dict[str, Any], depth: int) -> dict[str, Any]:
    keys = [k for k in item if k in ("all", "any")]
    for key in item:
        if key not in ("all", "any"):
            c.bad(f"{path}.{key}" if path else key, "unknown field (use all or any)")
    if len(keys) != 1:
        c.bad(path or "conditions", "give exactly one of all, any")
        return {}
    key = keys[0]
    items = item[key]
    where = f"{path}.{key}" if path else f"conditions.{key}"
    if not isinstance(items, list):
        c.bad(where, "must be a list")
        return {key: []}
    out = [_condition(c, f"{where}[{i}]", sub, depth) for i, sub in enumerate(items)]
    return {key: [o for o in out if o is not None]}


def _actions(c: _Check, actions: Any) -> list[dict[str, Any]]:
    out_actions: list[dict[str, Any]] = []
    if not isinstance(actions, list) or not actions:
        c.bad("actions", "give at least one action")
        return out_actions
    for i, item in enumerate(actions):
        path = f"actions[{i}]"
        if not isinstance(item, dict):
            c.bad(path, "must be an object")
            continue
        name = item.get("type")
        if not isinstance(name, str) or name not in ACTIONS:
            c.bad(f"{path}.type", f"unknown action {name!r}" if name is not None else "required")
            continue
        act = c.params(path, ACTIONS[name], item)
        c.fits(path, name, ACTIONS[name])
        if name == "assign_conversation" and ("user_id" in act) == ("role" in act):
            c.bad(path, "give user_id or role")
        if name == "reply" and ("canned_response_id" in act) == ("text" in act):
            c.bad(path, "give canned_response_id or text")
        if name == "notify" and not act.get("user_ids") and "role" not in act:
            c.bad(path, "give user_ids and/or role")
        out_actions.append(act)
    return out_actions


def validate(trigger: Any, conditions: Any, actions: Any) -> dict[str, Any]:
    """The definition, normalized; ValidationFailed naming every bad path."""
    c = _Check()
    if _count_conditions(conditions) > MAX_CONDITIONS:
        c.bad("conditions", f"at most {MAX_CONDITIONS} conditions")
    if isinstance(actions, list) and len(actions) > MAX_ACTIONS:
        c.bad("actions", f"at most {MAX_ACTIONS} actions")
    if c.fields:
        raise ValidationFailed("The workflow is too large.", details={"fields": c.fields})
    out_trigger: dict[str, Any] = {}
    if not isinstance(trigger, dict):
        c.bad("trigger", "must be an object")
    elif trigger.get("type") not in TRIGGERS:
        c.bad("trigger.type", f"unknown trigger {trigger.get('type')!r}")
    else:
        out_trigger = c.params("trigger", TRIGGERS[trigger["type"]], trigger)
        c.trigger = str(trigger["type"])
        if c.trigger == "schedule" and isinstance(out_trigger.get("cron"), str):
            problem = schedule.problem(out_trigger["cron"])
            if problem:
                c.bad("trigger.cron", problem)
    out_conditions: dict[str, Any] = {}
    if conditions not in (None, {}):
        if isinstance(conditions, dict):
            out_conditions = _group(c, "", conditions, 0)
        else:
            c.bad("conditions", "must be an object with all or any")
    out_actions = _actions(c, actions)
    if c.fields:
        names = ", ".join(sorted(c.fields))
        raise ValidationFailed(f"Invalid workflow: {names}", details={"fields": c.fields})
    return {"trigger": out_trigger, "conditions": out_conditions, "actions": out_actions}
