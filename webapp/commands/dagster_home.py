"""Dagster's instance directory for `messageflow up`: DAGSTER_HOME, dagster.yaml, workspace.yaml.

Dagster reads `dagster.yaml` only from $DAGSTER_HOME, so `up` points DAGSTER_HOME at
$MESSAGEFLOW_HOME/dagster and writes the repository's `dagster.yaml` there on every start (an edit
of the repository file takes effect at the next `up`), next to a `workspace.yaml` that names the
one code location, `pipelines` (as `[tool.dagster]` in pyproject.toml does), with the repository
root as its working directory whatever the current directory is.

Storage, in this order:
1. DAGSTER_PG_URL set: PostgreSQL there (a `postgresql://` URL is given the psycopg2 driver).
2. The platform runs on the embedded PostgreSQL (DATABASE_URL unset): a separate database
   `dagster` on that same server. PostgreSQL storage is what Dagster recommends once a webserver,
   a daemon and run workers write at the same time (SQLite serialises them on file locks), the
   embedded server is ours to create databases on, its data already lives under MESSAGEFLOW_HOME
   and is backed up with the rest, and a separate database keeps Dagster's ~22 tables out of the
   application's schema (and out of its RLS catalog).
3. Otherwise (DATABASE_URL names a server someone else runs): SQLite under DAGSTER_HOME. We do
   not create databases on a server we were only given a connection string for; set
   DAGSTER_PG_URL to use PostgreSQL there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from psycopg.conninfo import conninfo_to_dict

from webapp.db.embedded import EmbeddedServer, create_database

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGSTER_DB = "dagster"
CODE_MODULE = "pipelines.definitions"
CODE_LOCATION = "pipelines"
CODE_ATTRIBUTE = "defs"  # the module's Definitions object, named: no scan of module scope
PSYCOPG2 = "postgresql+psycopg2"
_GENERATED = "# Written by `messageflow up` on every start ({note}); do not edit here.\n"


@dataclass(frozen=True)
class DagsterHome:
    """The prepared instance directory and what the Dagster processes need in their environment."""

    path: Path
    workspace: Path
    storage: str  # "postgres" or "sqlite"
    pg_url: str | None

    def env(self) -> dict[str, str]:
        """DAGSTER_HOME, and DAGSTER_PG_URL when the storage is PostgreSQL."""
        out = {"DAGSTER_HOME": str(self.path)}
        if self.pg_url:
            out["DAGSTER_PG_URL"] = self.pg_url
        return out


def psycopg2_url(dsn: str) -> str:
    """A libpq DSN (URI or key=value) as a SQLAlchemy `postgresql+psycopg2://` URL.

    SQLAlchemy 2.1 makes psycopg 3 the driver of a bare `postgresql://`, and dagster-postgres's
    NOTIFY then fails (TECH-NOTES §3). A unix-socket host goes into the query (`?host=/dir`).
    """
    from sqlalchemy.engine import URL

    params = {k: v for k, v in conninfo_to_dict(dsn).items() if v is not None}
    host = str(params.pop("host", "") or "")
    port = params.pop("port", None)
    query = {k: str(v) for k, v in params.items() if k not in ("user", "password", "dbname")}
    if host.startswith("/") or "," in host:
        query["host"], host = host, ""
    url = URL.create(PSYCOPG2, username=_opt(params.get("user")),
                     password=_opt(params.get("password")), host=host or None,
                     port=int(port) if port else None, database=_opt(params.get("dbname")),
                     query=query)
    return url.render_as_string(hide_password=False)


def _opt(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def normalize_pg_url(url: str) -> str:
    """DAGSTER_PG_URL as given, with the psycopg2 driver when it names none."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return PSYCOPG2 + "://" + url[len(scheme):]
    return url


def storage_url(environ: Mapping[str, str], server: EmbeddedServer | None,
                dbname: str = DAGSTER_DB) -> str | None:
    """Dagster's PostgreSQL URL by the rules in the module docstring, or None for SQLite.

    With the embedded server, the database `dbname` is created on it when missing.
    """
    explicit = environ.get("DAGSTER_PG_URL", "").strip()
    if explicit:
        return normalize_pg_url(explicit)
    if server is not None:
        create_database(server.base_dsn, dbname)
        return psycopg2_url(server.dsn(dbname))
    return None


def instance_config(template: Path, pg_url: str | None) -> dict[str, Any]:
    """The repository's dagster.yaml, without its storage block when the storage is SQLite."""
    config: dict[str, Any] = yaml.safe_load(template.read_text()) or {}
    if pg_url is None:
        config.pop("storage", None)  # no storage block: SQLite under DAGSTER_HOME
    return config


def workspace_config(repo_root: Path) -> dict[str, Any]:
    """One code location, `pipelines`, loaded from the repository root."""
    return {"load_from": [{"python_module": {
        "module_name": CODE_MODULE, "attribute": CODE_ATTRIBUTE, "location_name": CODE_LOCATION,
        "working_directory": str(repo_root)}}]}


def prepare(home: Path, environ: Mapping[str, str], server: EmbeddedServer | None,
            repo_root: Path = REPO_ROOT, dbname: str = DAGSTER_DB) -> DagsterHome:
    """Create $MESSAGEFLOW_HOME/dagster and write dagster.yaml and workspace.yaml into it."""
    path = (home / "dagster").resolve()
    path.mkdir(parents=True, exist_ok=True)
    template = repo_root / "dagster.yaml"
    if not template.exists():
        raise FileNotFoundError(f"{template} is missing: run `messageflow up` from a checkout")
    pg_url = storage_url(environ, server, dbname)
    storage = "postgres" if pg_url else "sqlite"
    _write(path / "dagster.yaml", _GENERATED.format(note=f"from {template}, {storage} storage")
           + yaml.safe_dump(instance_config(template, pg_url), sort_keys=False))
    workspace = path / "workspace.yaml"
    _write(workspace, _GENERATED.format(note="code location `pipelines`")
           + yaml.safe_dump(workspace_config(repo_root), sort_keys=False))
    return DagsterHome(path=path, workspace=workspace, storage=storage, pg_url=pg_url)


def _write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)
