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


def test_setuptools_reads_it_without_a_warning() -> None:
    """What `pip install -e .` runs on the project table: no deprecation (or other) warning."""
    import warnings

    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dist = apply_configuration(Distribution(), str(PYPROJECT))
    assert [f"{type(w.message).__name__}: {w.message}" for w in caught] == []
    assert dist.metadata.license_expression == "Apache-2.0"
