"""mypy --strict holds for the database layer, the LLM layer, analysis, messaging and the
pipelines.

Read with mypy's own config parser, as `make lint` reads pyproject.toml: every flag --strict
stands for is on for those packages, and only for them (`strict = true` in an override would
quietly make the whole run strict, so it must not appear).
"""

from __future__ import annotations

import io
from pathlib import Path

from mypy.config_parser import parse_config_file
from mypy.options import Options

REPO = Path(__file__).resolve().parents[2]

# What `mypy --strict` turns on (mypy 2.4, `mypy --help`), as Options attributes.
STRICT_PER_MODULE = {
    "disallow_any_generics": True, "disallow_subclassing_any": True,
    "disallow_untyped_calls": True, "disallow_untyped_defs": True,
    "disallow_incomplete_defs": True, "check_untyped_defs": True,
    "disallow_untyped_decorators": True, "warn_return_any": True,
    "implicit_reexport": False, "strict_equality": True, "extra_checks": True,
}
STRICT_GLOBAL = ("warn_unused_ignores", "warn_redundant_casts")
STRICT_MODULES = ("webapp.db", "webapp.db.pool", "webapp.db.rows", "webapp.llm",
                  "webapp.llm.routing", "webapp.llm.local.analyzer", "webapp.analysis",
                  "webapp.analysis.jobs", "webapp.messaging", "webapp.messaging.ingest",
                  "webapp.messaging.rows", "pipelines", "pipelines.analysis",
                  "pipelines.definitions")


def _options() -> tuple[Options, list[str]]:
    options, strict_asked, errors = Options(), [], io.StringIO()
    parse_config_file(options, lambda: strict_asked.append("strict"),
                      str(REPO / "pyproject.toml"), stdout=io.StringIO(), stderr=errors)
    assert errors.getvalue() == ""  # an unknown or global-only flag in an override is an error
    return options, strict_asked


def _flags(options: Options) -> dict[str, object]:
    return {name: getattr(options, name) for name in STRICT_PER_MODULE}


def test_the_strict_packages_get_every_strict_flag() -> None:
    options, _ = _options()
    for module in STRICT_MODULES:
        assert _flags(options.clone_for_module(module)) == STRICT_PER_MODULE, module
    assert all(getattr(options, name) for name in STRICT_GLOBAL)


def test_strict_stays_within_those_packages() -> None:
    options, strict_asked = _options()
    assert strict_asked == []  # `strict = true` anywhere applies to every module of the run
    for module in ("webapp.labels.service", "webapp.whatsapp.devices", "analytics",
                   "streamlit_app.app", "webapp.dbx"):
        assert _flags(options.clone_for_module(module)) != STRICT_PER_MODULE, module
