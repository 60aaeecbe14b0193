"""Named SQL queries of one module, from the sql/<module>.sql file beside it (`-- name:` lines)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import LiteralString

_HEADER = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


class Queries:
    """Attribute access to the named queries of one module; unknown names fail loudly."""

    def __init__(self, texts: dict[str, str]) -> None:
        # The statements are files of this repository, never input: what psycopg's
        # LiteralString parameter stands for (mypy reads LiteralString as str).
        self._texts: dict[str, LiteralString] = texts

    def __getattr__(self, name: str) -> LiteralString:
        try:
            return self._texts[name]
        except KeyError:
            raise AttributeError(f"no SQL query named {name!r}") from None

    def names(self) -> list[str]:
        """All query names, sorted."""
        return sorted(self._texts)


def parse(text: str) -> dict[str, str]:
    """Split a .sql file into {name: statement} by its `-- name:` headers."""
    parts = _HEADER.split(text)
    out: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in out:
            raise ValueError(f"duplicate query name {name!r}")
        out[name] = body.strip().rstrip(";").strip()
    return out


def load(module_file: str) -> Queries:
    """The named queries of one module: `sql/<module>.sql` beside it (pass __file__).

    Each module runs only its own file's queries; a statement another module needs is reached
    through a function of the module that owns it.
    """
    module = Path(module_file).resolve()
    path = module.parent / "sql" / f"{module.stem}.sql"
    if not path.is_file():
        raise FileNotFoundError(
            f"{module.name} loads its queries from {path}, which does not exist "
            f"(a module's SQL lives in sql/<module>.sql beside it; a module without SQL "
            f"does not call load)")
    return Queries(parse(path.read_text()))
