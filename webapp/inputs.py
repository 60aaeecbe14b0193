"""What the API accepts from clients, Flask-free (request models, the socket and cursors share it).

- `RequestModel`: the base of every request body and query model (unknown fields are refused).
- `Int`: an integer that, when it comes as text (query strings), is written in plain decimal
  digits; bound it with `Field(ge=..., le=...)`. `Id` is a row id (1..2**63-1, PostgreSQL's
  bigint), `IdOrZero` a position "after this id" (0: from the start). Every integer a request
  carries is bounded (a test walks the schemas). The HTTP edge validates bodies in pydantic's
  strict JSON mode, so a JSON `true`, `"1"` or `1.0` is never an integer and `1` never a boolean
  (webapp.http.api.validate_json).
- `Day` / `Instant`: dates and times between 1970-01-01 and 2100-12-31, so window arithmetic
  (a day added, 30 days subtracted, a time zone applied) never leaves Python's datetime range;
  written as text (`2026-11-25`, RFC 3339 times), never as a number of seconds, and the schema
  says so (a pattern bounds the year).
- `one_of_given` / `given_requires` / `given_forbids`: rules between the fields of a request
  written into its JSON schema, so the OpenAPI document states what the validators enforce.
- `value_problems` / `too_deep`: what PostgreSQL cannot store (NUL, unpaired surrogates, NaN)
  and JSON nested deeper than MAX_JSON_DEPTH (Python's recursive parser crashes at ~1,000
  levels), both found without recursion.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MIN_DAY, MAX_DAY = dt.date(1970, 1, 1), dt.date(2100, 12, 31)
MAX_JSON_DEPTH = 64
# The longest URL a client legitimately sends is a 500-character search in a non-Latin script:
# 500 x 3 UTF-8 bytes x 3 (percent-encoded) = 4,500 bytes, above gunicorn's default request line
# (4,094), so the web process runs with gunicorn's largest (8,190; webapp/commands/children.py)
# and the app enforces the same bound itself (webapp.http.guards) when another server is in front.
MAX_URL_BYTES = 8190

NUL_MESSAGE = "must not contain NUL characters"
SURROGATE_MESSAGE = "must not contain unpaired surrogates"
NUMBER_MESSAGE = "must be a finite number"

_DIGITS = re.compile(r"-?(0|[1-9][0-9]*)")


class RequestModel(BaseModel):
    """Base of request bodies and queries: unknown fields are a 400 naming them."""

    model_config = ConfigDict(extra="forbid")


def _plain_digits(value: Any, info: ValidationInfo) -> Any:
    # Query strings are text: there " 1", "+1", "1.0", "1_0" and "01" are not integers. A JSON
    # string is never one: the edge validates bodies in strict JSON mode, which refuses it.
    if isinstance(value, str) and info.mode != "json" and not _DIGITS.fullmatch(value):
        raise PydanticCustomError("int_parsing", "must be an integer in plain decimal digits")
    return value


# Bounds go before the validator: pydantic then writes them as minimum/maximum in the schema.
Int = Annotated[int, BeforeValidator(_plain_digits)]  # bound it: `x: Int = Field(5, ge=1, le=9)`
Id = Annotated[int, Field(ge=1, le=INT64_MAX), BeforeValidator(_plain_digits)]
IdOrZero = Annotated[int, Field(ge=0, le=INT64_MAX), BeforeValidator(_plain_digits)]


def _in_range(day: dt.date) -> None:
    if not MIN_DAY <= day <= MAX_DAY:
        raise PydanticCustomError(
            "date_range", "must be between {low} and {high}",
            {"low": MIN_DAY.isoformat(), "high": MAX_DAY.isoformat()},
        )


def _day(value: dt.date) -> dt.date:
    _in_range(value)
    return value


def _instant(value: dt.datetime) -> dt.datetime:
    _in_range(value.date())
    return value


_DAY_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
YEARS = r"(19[7-9][0-9]|20[0-9]{2}|2100)"  # MIN_DAY..MAX_DAY's years, for the schemas


def _day_text(value: Any) -> Any:
    # pydantic would read "0" or 1700000000 as seconds since 1970: a day is written as a day.
    # Parsed here (pydantic's strict mode takes no text after a validator has run).
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DAY_TEXT.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("date_from_datetime_parsing",
                                      "must be a real date (YYYY-MM-DD)") from None
    raise PydanticCustomError("date_parsing", "must be a date written as YYYY-MM-DD")


def _instant_text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DAY_TEXT.match(value):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError("datetime_parsing",
                              "must be an RFC 3339 time such as 2026-11-25T09:02:00Z")


Day = Annotated[dt.date, BeforeValidator(_day_text), AfterValidator(_day),
                WithJsonSchema({"type": "string", "format": "date",
                                "pattern": f"^{YEARS}-[0-9]{{2}}-[0-9]{{2}}$"})]
Instant = Annotated[dt.datetime, BeforeValidator(_instant_text), AfterValidator(_instant),
                    WithJsonSchema({"type": "string", "format": "date-time",
                                    "pattern": f"^{YEARS}-"})]


# Python's str.strip() whitespace, spelled out (`\s` differs between Python and JSON Schema's
# ECMAScript regexes): NON_BLANK is a schema pattern for "has a character that is not one".
SPACES = ("\t-\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f"
          "\u3000")
NON_BLANK = f"[^{SPACES}]"


def _given(name: str) -> dict[str, Any]:
    return {"required": [name], "properties": {name: {"not": {"type": "null"}}}}


def one_of_given(*names: str) -> dict[str, Any]:
    """Schema: exactly one of these fields is given (present and not null)."""
    return {"oneOf": [_given(n) for n in names]}


def given_requires(name: str, *others: str) -> dict[str, Any]:
    """Schema: when `name` is given, each of `others` is given too."""
    return {"if": _given(name), "then": {"allOf": [_given(o) for o in others]}}


def given_forbids(name: str, *others: str) -> dict[str, Any]:
    """Schema: when `name` is given, none of `others` is."""
    return {"if": _given(name), "then": {"not": {"anyOf": [_given(o) for o in others]}}}


def not_nullable(*names: str, extra: dict[str, Any] | None = None
                 ) -> Callable[[dict[str, Any]], None]:
    """`json_schema_extra` for optional fields that refuse an explicit null (absent means
    unchanged): their schema loses the null branch; `extra` is merged into the schema."""

    def edit(schema: dict[str, Any]) -> None:
        for name in names:
            prop = schema["properties"][name]
            branches = [b for b in prop.pop("anyOf", []) if b != {"type": "null"}]
            if branches:
                prop.update(branches[0])
        schema.update(extra or {})
    return edit


def schema_rules(*rules: dict[str, Any]) -> dict[str, Any]:
    """`json_schema_extra` for a model: all the rules (`allOf`)."""
    return {"allOf": list(rules)}


def text_problem(text: str) -> str | None:
    """Why PostgreSQL could not store this text, or None."""
    if "\x00" in text:
        return NUL_MESSAGE
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    return None


def _name(key: str) -> str:
    # A key is part of the reported path; its NUL is shown escaped, not sent back raw.
    return key.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode()


def value_problems(value: Any, prefix: str = "") -> dict[str, str]:
    """`{dotted path: problem}` for every value of parsed JSON that PostgreSQL could not store:
    text with NUL or unpaired surrogates (keys included), and numbers that are not finite (NaN
    and Infinity are not JSON, Python's parser takes them anyway; 1e400 overflows to infinity).
    Iterative, so it also copes with the deepest input the parser accepts."""
    found: dict[str, str] = {}
    stack: list[tuple[str, Any]] = [(prefix, value)]
    while stack:
        path, item = stack.pop()
        for sub_path, sub in _children(path, item, found):
            stack.append((sub_path, sub))
        problem = text_problem(item) if isinstance(item, str) else (
            NUMBER_MESSAGE if isinstance(item, float) and not math.isfinite(item) else None)
        if problem:
            found.setdefault(path or "body", problem)
    return dict(sorted(found.items()))


def _children(path: str, item: Any, found: dict[str, str]) -> Iterator[tuple[str, Any]]:
    join = (path + ".") if path else ""
    if isinstance(item, dict):
        for key, sub in item.items():
            problem = text_problem(key)
            if problem:
                found.setdefault(join + _name(key), problem)
            yield join + _name(key), sub
    elif isinstance(item, list):
        for index, sub in enumerate(item):
            yield f"{join}{index}", sub


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def too_deep(raw: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON text nests arrays/objects deeper than limit (strings are skipped, escapes
    honoured); a scan over the raw text, before any recursive parser sees it."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    depth = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False
