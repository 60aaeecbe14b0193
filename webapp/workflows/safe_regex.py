"""Regular expressions a workflow may use: short, and without the constructs that backtrack
catastrophically (a quantified group that itself contains a quantifier, as in `(a+)+`, or
back-references). Matching runs through the `regex` module with a time limit when it is
installed, so even a pattern that slipped through cannot stall the engine."""

from __future__ import annotations

import re
from typing import Any

try:  # the `regex` module supports a per-call timeout
    import regex as _regex
except ImportError:  # pragma: no cover - the standard module, with the static checks only
    _regex = None

MAX_LENGTH = 200
TIMEOUT_S = 0.05
_QUANT = re.compile(r"(?<!\\)(?:[*+?]|\{\d+(?:,\d*)?\})")


def problem(pattern: str) -> str | None:
    """Why the pattern is refused, or None when it may be used."""
    if len(pattern) > MAX_LENGTH:
        return f"at most {MAX_LENGTH} characters"
    if re.search(r"\\[1-9]|\(\?P=|\\g<|\\k<", pattern):
        return "back-references are not allowed"
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"not a valid regular expression: {exc}"
    return _nested(pattern)


def _nested(pattern: str) -> str | None:
    """Nested quantifiers: a group with a quantifier inside that is itself quantified."""
    stack: list[bool] = []  # per open group: does it contain a quantifier?
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":  # skip a character class
            j = i + 1
            if j < len(pattern) and pattern[j] == "]":
                j += 1
            while j < len(pattern) and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            i = j + 1
            continue
        if ch == "(":
            stack.append(False)
            if pattern.startswith("?", i + 1):  # (?:, (?=, (?P<name>: not a quantifier
                i += 2
                continue
        elif ch == ")":
            inner = stack.pop() if stack else False
            quantified = _QUANT.match(pattern, i + 1) is not None
            if inner and quantified:
                return "nested quantifiers (such as (a+)+) can take exponential time"
            if stack and (inner or quantified):
                stack[-1] = True
        elif _QUANT.match(pattern, i) and stack:
            stack[-1] = True
        i += 1
    return None


def search(pattern: str, text: str) -> bool:
    """Whether the pattern matches somewhere in text (case-insensitive); False on timeout."""
    if _regex is not None:
        try:
            found: Any = _regex.search(pattern, text, _regex.IGNORECASE, timeout=TIMEOUT_S)
        except TimeoutError:
            return False
        return found is not None
    return re.search(pattern, text, re.IGNORECASE) is not None
