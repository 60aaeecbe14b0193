"""Each module owns its SQL: `foo.py` runs only the queries of `sql/foo.sql` beside it.

A statement two modules need lives in the one module that owns it, which exposes a function;
no module reads another module's `Q`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from webapp.db.queries import load, parse

REPO = Path(__file__).resolve().parents[3]
CODE = ("webapp", "pipelines", "analytics", "streamlit_app", "bench", "tests")


def _python_files() -> list[Path]:
    """Every module of the repo but this test (whose load() calls are on scratch folders)."""
    return sorted(p for pkg in CODE for p in (REPO / pkg).rglob("*.py")
                  if p != Path(__file__).resolve())


def _sql_files() -> list[Path]:
    return sorted(p for pkg in CODE for p in (REPO / pkg).rglob("sql/*.sql"))


def _loads_queries(tree: ast.Module) -> list[ast.Call]:
    """The `load(...)` calls of webapp.db.queries in a module."""
    names = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
             and node.module == "webapp.db.queries" for a in node.names if a.name == "load"}
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name) and node.func.id in names]


def _own_names(tree: ast.Module) -> set[str]:
    """The names a module reads off its own `Q` (`Q.select_x`)."""
    return {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id == "Q"}


def _foreign_uses(tree: ast.Module) -> list[str]:
    """Reaching into another module's queries: `other.Q` or `from other import Q`."""
    found = [ast.unparse(node) for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and node.attr == "Q"]
    found += [f"from {node.module} import Q" for node in ast.walk(tree)
              if isinstance(node, ast.ImportFrom) and any(a.name == "Q" for a in node.names)]
    return found


def test_every_module_runs_only_the_queries_of_its_own_sql_file() -> None:
    offenders = []
    for path in _python_files():
        tree = ast.parse(path.read_text())
        rel = path.relative_to(REPO)
        offenders += [f"{rel}: {use}" for use in _foreign_uses(tree)]
        calls = _loads_queries(tree)
        if not calls:
            continue
        offenders += [f"{rel}: {ast.unparse(c)} (a module loads its own queries: load(__file__))"
                      for c in calls if ast.unparse(c) != "load(__file__)"]
        own = path.parent / "sql" / f"{path.stem}.sql"
        defined = set(parse(own.read_text())) if own.is_file() else set()
        offenders += [f"{rel}: Q.{name} is not in {own.relative_to(REPO)}"
                      for name in sorted(_own_names(tree) - defined)]
    assert offenders == []


def test_every_sql_file_belongs_to_the_module_beside_it() -> None:
    offenders = []
    for sql_file in _sql_files():
        module = sql_file.parent.parent / f"{sql_file.stem}.py"
        if not module.is_file() or not _loads_queries(ast.parse(module.read_text())):
            offenders.append(str(sql_file.relative_to(REPO)))
    assert offenders == []


def test_load_reads_the_modules_own_file_only(tmp_path: Path) -> None:
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "mine.sql").write_text("-- name: select_mine\nselect 1\n")
    (tmp_path / "sql" / "theirs.sql").write_text("-- name: select_theirs\nselect 2\n")
    queries = load(str(tmp_path / "mine.py"))
    assert queries.names() == ["select_mine"]
    with pytest.raises(AttributeError, match="select_theirs"):
        queries.select_theirs  # noqa: B018 - the attribute access is the test


def test_load_names_the_missing_file(tmp_path: Path) -> None:
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "other.sql").write_text("-- name: select_other\nselect 1\n")
    with pytest.raises(FileNotFoundError) as caught:
        load(str(tmp_path / "lonely.py"))
    message = str(caught.value)
    assert "lonely.py" in message and str(tmp_path / "sql" / "lonely.sql") in message
