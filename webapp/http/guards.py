"""Hostile-input guards every request passes before any view, declared with endpoint() or not
(auth refresh, the WebSocket upgrade, dashboard pages included):

- a URL longer than MAX_URL_BYTES is a 414 (gunicorn refuses longer request lines itself, and
  webapp.http.worker puts its answer in the envelope too);
- text PostgreSQL cannot store (NUL, unpaired surrogates) in the path, a query parameter (name
  or value), a header or anywhere in a JSON body (keys included), and a JSON number that is not
  finite (NaN, Infinity, 1e400), is a 400 naming where;
- a JSON body nested deeper than MAX_JSON_DEPTH is a 400 `too_deep`, found before Python's
  recursive parser could crash on it;
- `<int:...>` path arguments are bounded to PostgreSQL's bigint: a larger number matches no route,
  so it is a 404 like any other unknown id (never a database error).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from werkzeug.exceptions import RequestURITooLarge
from werkzeug.routing import IntegerConverter

from webapp.errors import ValidationFailed
from webapp.inputs import (
    INT64_MAX,
    MAX_JSON_DEPTH,
    MAX_URL_BYTES,
    text_problem,
    too_deep,
    value_problems,
)


def _at_most(bound: int) -> str:
    """A regex of the decimal numbers 0..bound, without leading zeros."""
    top = str(bound)
    alternatives = ["0", f"[1-9][0-9]{{0,{len(top) - 2}}}"]
    for i, digit in enumerate(top):
        low = 1 if i == 0 else 0
        if int(digit) > low:  # same prefix as the bound, a smaller digit here, then any digits
            alternatives.append(f"{top[:i]}[{low}-{int(digit) - 1}][0-9]{{{len(top) - i - 1}}}")
    return "|".join([*alternatives, top])


class BigintConverter(IntegerConverter):
    """`<int:...>`: 0..2**63-1 in plain digits. A larger number matches no route, so it is a 404
    like any unknown id; it is refused by the pattern, not by `to_python`, because werkzeug
    answers 405 when a converter refuses a path that a rule for another method also matches."""

    regex = f"(?:{_at_most(INT64_MAX)})"


def init_guards(app: Flask) -> None:
    """Bound `<int:...>` (before any route is added) and check every request before its view."""
    app.url_map.converters["int"] = BigintConverter
    app.before_request(check_request)


def check_request() -> None:
    """Raise the 414 or 400 a hostile request deserves (see the module docstring)."""
    environ = request.environ
    uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or (
        request.path + "?" + environ.get("QUERY_STRING", ""))
    if len(uri) > MAX_URL_BYTES:
        raise RequestURITooLarge(f"The URL is longer than the {MAX_URL_BYTES} bytes allowed.")
    fields = _text_outside_body()
    if request.is_json:
        _check_json_depth()
        data = request.get_json(silent=True)  # malformed JSON is the view's 400 to give
        if data is not None:
            fields.update(value_problems(data))
    if fields:
        raise ValidationFailed("Invalid fields: " + ", ".join(sorted(fields)),
                               details={"fields": fields})


def _text_outside_body() -> dict[str, str]:
    found: dict[str, str] = {}
    problem = text_problem(request.path)
    if problem:
        found["path"] = problem
    for key, values in request.args.lists():
        found.update(value_problems({key: values if len(values) > 1 else values[0]}))
    for name, value in request.headers.items():
        problem = text_problem(value)
        if problem:
            found[f"headers.{name}"] = problem
    return found


def _check_json_depth() -> None:
    raw: Any = request.get_data(cache=True)
    if too_deep(raw):
        raise ValidationFailed(
            f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels.", code="too_deep",
            details={"max_depth": MAX_JSON_DEPTH},
        )
