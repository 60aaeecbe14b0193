"""pyproject.toml in the form setuptools builds without warnings: the license as an SPDX string
(the `{text = ...}` table is deprecated and warned about on every `pip install -e .`), with a
setuptools new enough to read it."""

from __future__ import annotations

import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_license_is_an_spdx_string() -> None:
    project = tomllib.loads(PYPROJECT.read_text())
    assert project["project"]["license"] == "Apache-2.0"
    assert "setuptools>=77" in project["build-system"]["requires"]  # SPDX strings: 77.0.0
