"""Settings: production refuses to start without secrets; development generates and keeps them."""

from __future__ import annotations

from pathlib import Path

import pytest

from webapp.config import Settings
from webapp.errors import ConfigError


def test_production_names_every_missing_variable() -> None:
    with pytest.raises(ConfigError) as exc:
        Settings.from_env({"MESSAGEFLOW_ENV": "production", "JWT_SECRET": "s" * 40})
    assert "DATABASE_URL" in str(exc.value) and "MASTER_KEY" in str(exc.value)
    assert "JWT_SECRET" not in str(exc.value)


def test_production_with_everything_set() -> None:
    s = Settings.from_env({"MESSAGEFLOW_ENV": "production", "DATABASE_URL": "postgresql://x/y",
                           "JWT_SECRET": "j" * 40, "MASTER_KEY": "m" * 40, "PORT": "9000"})
    assert s.production and s.port == 9000 and s.jwt_secret == "j" * 40


def test_development_generates_secrets_once(tmp_path: Path) -> None:
    env = {"MESSAGEFLOW_HOME": str(tmp_path)}
    first = Settings.from_env(env)
    second = Settings.from_env(env)
    assert len(first.jwt_secret) >= 32 and len(first.master_key) >= 32
    assert (first.jwt_secret, first.master_key) == (second.jwt_secret, second.master_key)
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600


def test_bad_integer_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="PORT must be an integer"):
        Settings.from_env({"PORT": "eighty", "JWT_SECRET": "j", "MASTER_KEY": "m"})
