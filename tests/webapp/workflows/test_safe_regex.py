"""Regular expressions of workflows: risky constructs refused, matching bounded in time."""

from __future__ import annotations

import time

import pytest

from webapp.workflows import safe_regex


@pytest.mark.parametrize("pattern", ["(a+)+$", "(x*)*", "(?:a+)+", r"(?:\d|1)*\d+(?:x*)+",
                                     "((ab)+c)+", "(.*a){20}", "(a|b+)*c", "(a)\\1",
                                     "(?P<x>a)(?P=x)", "[", "a" * 201])
def test_refused(pattern: str) -> None:
    assert safe_regex.problem(pattern) is not None


@pytest.mark.parametrize("pattern", ["urgent|asap", r"order #A\d+", r"^(\d{3})-\d+$", "[(+]+",
                                     r"\(a+\)+", "(vip|gold) customer", "(?:vip|gold)+",
                                     "(?i)urgent", "(?=a)a+"])
def test_allowed(pattern: str) -> None:
    assert safe_regex.problem(pattern) is None


def test_a_slow_pattern_that_passes_the_checks_is_cut_off() -> None:
    pattern = r"\d*\d*\d*\d*\d*\d*[a-z]"  # polynomial: n^6 steps on a run of digits
    assert safe_regex.problem(pattern) is None
    started = time.monotonic()
    assert safe_regex.search(pattern, "1" * 2000) is False
    assert time.monotonic() - started < 2
    assert safe_regex.search(pattern, "123x") is True
    assert safe_regex.search("URGENT", "this is urgent") is True  # ignoring case
