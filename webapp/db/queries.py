"""Named SQL queries loaded from a domain's sql/*.sql files (`-- name: verb_object` headers)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import LiteralString, cast

_HEADER = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


class Queries:
    """Attribute access to the named queries of one folder; unknown names fail loudly."""

    def __init__(self, texts: dict[str, str]):
        self._texts = texts

    def __getattr__(self, name: str) -> LiteralString:
        try:
            return cast(LiteralString, self._texts[name])
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
    """Load every sql/*.sql file beside the given module (pass __file__)."""
    folder = Path(module_file).resolve().parent / "sql"
    texts: dict[str, str] = {}
    for path in sorted(folder.glob("*.sql")):
        for name, body in parse(path.read_text()).items():
            if name in texts:
                raise ValueError(f"duplicate query name {name!r} in {path}")
            texts[name] = body
    return Queries(texts)
