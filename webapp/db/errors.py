"""Translate database errors into domain errors at the adapter, and tell a lost database from
other database errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import errors as pg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import PoolTimeout

from webapp.errors import Conflict, DependencyDown, NotFound, ValidationFailed

# What a 503 for the database tells the client (Retry-After): about how long a restart takes.
# The rate limiter's Retry-After (429) is the time until its window has room, a different thing.
RETRY_AFTER_S = 3


class DatabaseUnavailable(DependencyDown):
    """The database cannot be used right now (503, `Retry-After: 3`, details name it)."""

    retry_after = RETRY_AFTER_S

    def __init__(self, message: str = "The database is unavailable.") -> None:  # noqa: D107
        super().__init__(message, details={"dependency": "database",
                                           "retry_after": self.retry_after})


@contextmanager
def translate_errors() -> Iterator[None]:
    """Map constraint violations and connection loss to Conflict/ValidationFailed/503."""
    try:
        yield
    except pg.UniqueViolation as exc:
        raise Conflict("That already exists.", details=_detail(exc)) from exc
    except pg.ForeignKeyViolation as exc:
        raise NotFound("A referenced record does not exist.", details=_detail(exc)) from exc
    except (pg.CheckViolation, pg.NotNullViolation, pg.InvalidTextRepresentation) as exc:
        raise ValidationFailed("A value is not allowed.", details=_detail(exc)) from exc
    except pg.InsufficientPrivilege as exc:
        # RLS WITH CHECK failures: the row is not this tenant's.
        raise NotFound("Not found.") from exc
    except (pg.DeadlockDetected, pg.SerializationFailure) as exc:
        # Retryable like an outage (background loops retry DependencyDown), but say what it is.
        raise DependencyDown("A concurrent change got in the way; try again.") from exc
    except (pg.OperationalError, pg.InterfaceError) as exc:
        raise DatabaseUnavailable() from exc


def _detail(exc: pg.Error) -> dict[str, str]:
    diag = exc.diag
    out = {}
    if diag.constraint_name:
        out["constraint"] = diag.constraint_name
    if diag.column_name:
        out["field"] = diag.column_name
    return out


def is_connect_failure(exc: BaseException) -> bool:
    """A pool that never got a connection, libpq failing to connect or losing the server (no
    SQLSTATE, class 08), or the server ending the session (class 57P: shutdown, restart,
    terminated backend, starting up)."""
    if isinstance(exc, PoolTimeout):
        return True
    return isinstance(exc, psycopg.OperationalError) and (
        exc.sqlstate is None or exc.sqlstate.startswith(("08", "57P")))


def connect_reason(exc: BaseException) -> str:
    """libpq's own reason, e.g. "Connection refused" or 'database "x" does not exist'."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    reason = first.rpartition(" failed: ")[2].removeprefix("connection failed: ")
    return " ".join(reason.removeprefix("FATAL:").split()) or type(exc).__name__


def describe_dsn(dsn: str) -> str:
    """host:port/dbname of a connection string, never its password."""
    try:
        info = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "(unparsable DATABASE_URL)"
    host = str(info.get("host") or "localhost")
    return f"{host}:{info.get('port') or 5432}/{info.get('dbname') or info.get('user') or '?'}"
