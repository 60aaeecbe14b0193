"""Translate database errors into domain errors at the adapter."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from psycopg import errors as pg

from webapp.errors import Conflict, DependencyDown, NotFound, ValidationFailed


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
        raise DependencyDown("The database is unavailable.") from exc


def _detail(exc: pg.Error) -> dict[str, str]:
    diag = exc.diag
    out = {}
    if diag.constraint_name:
        out["constraint"] = diag.constraint_name
    if diag.column_name:
        out["field"] = diag.column_name
    return out
