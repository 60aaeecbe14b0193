"""ANALYTICS_DIR is resolved in one place (webapp.config): the Dagster export that writes the
files, Streamlit that reads them and `messageflow up`, which hands it to both, agree on it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines.exports import analytics_root
from streamlit_app import data
from webapp.commands.children import child_env
from webapp.config import Settings

CASES = {
    "nothing set": {},
    "home only": {"MESSAGEFLOW_HOME": "home"},
    "empty dir": {"MESSAGEFLOW_HOME": "home", "ANALYTICS_DIR": ""},
    "dir set": {"MESSAGEFLOW_HOME": "home", "ANALYTICS_DIR": "exports/parquet"},
    "absolute dir": {"ANALYTICS_DIR": "/srv/analytics"},
}
EXPECTED = {"nothing set": ".messageflow/analytics", "home only": "home/analytics",
            "empty dir": "home/analytics", "dir set": "exports/parquet",
            "absolute dir": "/srv/analytics"}


@pytest.mark.parametrize("case", list(CASES))
def test_writer_and_readers_resolve_the_same_dir(case: str, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # relative paths (and the dev secrets) stay in tmp_path
    for name in ("MESSAGEFLOW_HOME", "ANALYTICS_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JWT_SECRET", "j" * 40)
    monkeypatch.setenv("MASTER_KEY", "m" * 40)
    for name, value in CASES[case].items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    expected = Path(EXPECTED[case])
    assert settings.analytics_dir == expected
    assert Path(data.analytics_dir()) == expected          # Streamlit reads here
    assert analytics_root() == expected                    # the Dagster export writes here
    # `messageflow up` passes it on to both, made absolute against its working directory.
    env = child_env(settings, "postgresql://x@h/db", os.environ)
    assert env["ANALYTICS_DIR"] == os.path.abspath(expected)


def test_a_runs_override_still_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ANALYTICS_DIR", str(tmp_path / "env"))
    assert analytics_root(str(tmp_path / "run")) == tmp_path / "run"


def test_settings_built_directly_follow_their_home(tmp_path: Path) -> None:
    from webapp.config import Settings

    assert Settings(home=tmp_path).analytics_dir == tmp_path / "analytics"
    assert Settings(home=tmp_path, analytics_dir=tmp_path / "x").analytics_dir == tmp_path / "x"
