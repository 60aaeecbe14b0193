"""Where whatsmeow keeps device sessions (neonize-free).

- With a database: whatsmeow's own Postgres store in schema `whatsmeow` (migration 0004), shared
  by every device; a paired device is resumed by the JID it is stored under.
- Without: one SQLite file per device under $MESSAGEFLOW_HOME/whatsapp/.
Either way the location derives from the device id only, so a restart finds the same session.

neonize 0.5.2 opens a new whatsmeow database pool at every `connect()` (and every device
listing) and never closes it: one idle PostgreSQL connection (or one SQLite file handle) leaks
per attempt. Offline, a reconnect loop would exhaust `max_connections` for the whole platform
within hours. So each attempt gets its own `application_name`, and `release` terminates the
idle connections an attempt left behind (same role: no extra privilege needed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg
from psycopg.conninfo import conninfo_to_dict

from webapp.db.queries import load

log = logging.getLogger(__name__)
Q = load(__file__)

STORE_SCHEMA = "whatsmeow"
APP_PREFIX = "mf-wa-"
_PQ_PARAMS = ("connect_timeout", "sslrootcert", "sslcert", "sslkey")


def whatsmeow_url(dsn: str, schema: str = STORE_SCHEMA, app: str | None = None) -> str:
    """A lib/pq URL (whatsmeow's driver) for a libpq DSN, with the tables kept in `schema`."""
    p = conninfo_to_dict(dsn)
    user = quote(str(p.get("user", "")), safe="")
    auth = f"{user}:{quote(str(p['password']), safe='')}@" if p.get("password") else f"{user}@"
    host = str(p.get("host") or "localhost")
    query: dict[str, str] = {}
    if host.startswith("/"):
        query["host"], host = host, ""
    port = f":{p['port']}" if p.get("port") and host else ""
    sslmode = str(p.get("sslmode") or "disable")
    query["sslmode"] = "disable" if sslmode in ("prefer", "allow") else sslmode  # lib/pq lacks
    query |= {k: str(p[k]) for k in _PQ_PARAMS if p.get(k)}
    query["search_path"] = schema
    if app:
        query["application_name"] = app
    return f"postgres://{auth}{host}{port}/{quote(str(p.get('dbname', '')))}?{urlencode(query)}"


@dataclass(frozen=True)
class SessionStore:
    """A shared Postgres store (`dsn`) or a folder of per-device SQLite files."""

    dsn: str | None = None
    folder: Path | None = None

    @classmethod
    def for_settings(cls, database_url: str | None, home: Path) -> SessionStore:
        """The Postgres store when a database URL is known, else SQLite under home/whatsapp."""
        return cls(dsn=database_url) if database_url else cls(folder=home / "whatsapp")

    @property
    def shared(self) -> bool:
        """True when all devices share one store (resume by JID, pair with new_device)."""
        return self.dsn is not None

    def name(self, device: str, attempt: str = "0") -> str:
        """The NewClient name (the store) for one connection attempt of a device."""
        if self.dsn:
            return whatsmeow_url(self.dsn, app=f"{APP_PREFIX}{device}-{attempt}")
        assert self.folder is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        return str(self.folder / f"mf-device-{device}.sqlite3")

    def release(self, device: str, attempt: str = "0") -> int:
        """Close the idle whatsmeow connections a finished attempt left open; how many."""
        if not self.dsn:
            return 0
        try:
            with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5) as conn:
                app = f"{APP_PREFIX}{device}-{attempt}"
                return len(conn.execute(Q.release_store_connections, {"app": app}).fetchall())
        except psycopg.Error as exc:
            log.warning("could not release whatsmeow connections of %s: %s", device, exc)
            return 0
