"""House rules that keep the layers apart."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FLASK_MODULES = {"flask", "flask_sock", "flask_jwt_extended", "flask_limiter", "werkzeug"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _flask_allowed(rel: Path) -> bool:
    """Flask lives at the edges: routes, the app factory, the CLI, the socket, webapp/http."""
    return (rel.name in ("routes.py", "app.py", "cli.py", "wsgi.py")
            or rel.parts[:2] == ("webapp", "http") or rel.as_posix() == "webapp/realtime/ws.py")


def test_flask_is_imported_only_at_the_edges() -> None:
    offenders = []
    for pkg in ("webapp", "pipelines", "analytics", "streamlit_app"):
        for path in (REPO / pkg).rglob("*.py"):
            rel = path.relative_to(REPO)
            if _imports(path) & FLASK_MODULES and not _flask_allowed(rel):
                offenders.append(str(rel))
    assert offenders == []


def test_batch_and_analytics_never_import_routes() -> None:
    offenders = []
    for pkg in ("pipelines", "analytics", "streamlit_app"):
        for path in (REPO / pkg).rglob("*.py"):
            text = path.read_text()
            if re.search(r"webapp\.\w+\.routes|webapp\.app\b|webapp\.http\b", text):
                offenders.append(str(path.relative_to(REPO)))
    assert offenders == []


def test_no_sql_built_by_string_formatting() -> None:
    pattern = re.compile(r"execute\(\s*f[\"']|execute\([^)]*\.format\(|execute\([^)]*%\s*\(")
    offenders = []
    for pkg in ("webapp", "pipelines", "analytics", "streamlit_app"):
        for path in (REPO / pkg).rglob("*.py"):
            for i, line in enumerate(path.read_text().splitlines(), 1):
                if pattern.search(line):
                    offenders.append(f"{path.relative_to(REPO)}:{i}")
    assert offenders == []


SQL_MODULES = {"webapp.db.queries", "webapp.db.rows", "psycopg"}
SQL_CALLS = {"execute", "executemany", "fetch_all", "fetch_one"}


def _sql_uses(path: Path) -> list[str]:
    """Where a module reaches SQL itself: imports of the query loader (`load`), the row readers
    or psycopg, and calls of execute / executemany / fetch_all / fetch_one."""
    tree = ast.parse(path.read_text())
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names
                      if a.name in SQL_MODULES or a.name.split(".")[0] in SQL_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = {node.module} | {f"{node.module}.{a.name}" for a in node.names}
            found += sorted(n for n in names
                            if n in SQL_MODULES or n.split(".")[0] in SQL_MODULES)[:1]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in SQL_CALLS:
                found.append(f"line {node.lineno}: {ast.unparse(func)}(...)")
    return found


def test_pipelines_hold_dagster_wiring_and_no_sql() -> None:
    """pipelines/ is Dagster wiring only (assets, jobs, schedules, sensors, resources, run
    metadata): no sql/ folder, no .sql file, and no module that loads named queries or runs a
    statement. The work, and its SQL, live in the domain that owns it (webapp/<domain>/,
    analytics/)."""
    pipelines = REPO / "pipelines"
    assert not (pipelines / "sql").exists()
    assert sorted(str(p.relative_to(REPO)) for p in pipelines.rglob("*.sql")) == []
    offenders = {str(p.relative_to(REPO)): uses for p in sorted(pipelines.rglob("*.py"))
                 if (uses := _sql_uses(p))}
    assert offenders == {}


def test_the_pipelines_sql_check_finds_sql(tmp_path: Path) -> None:
    module = tmp_path / "costs.py"
    module.write_text("from webapp.db.queries import load\nQ = load(__file__)\n"
                      "def run(conn):\n    conn.execute(Q.insert_cost_day)\n")
    assert _sql_uses(module) == ["webapp.db.queries", "line 4: conn.execute(...)"]
    other = tmp_path / "exports.py"
    other.write_text("from webapp.db import queries\nimport psycopg.rows\n")
    assert _sql_uses(other) == ["webapp.db.queries", "psycopg.rows"]
    clean = tmp_path / "assets.py"
    clean.write_text("import json\nfrom webapp.llm.costs import rebuild_cost_day\n"
                     "def run(db, day):\n    json.load(open('x'))\n"
                     "    return rebuild_cost_day(db, day)\n")
    assert _sql_uses(clean) == []


PACKAGES = ("webapp", "pipelines", "analytics", "streamlit_app")


def _module_names() -> dict[str, Path]:
    names: dict[str, Path] = {}
    for pkg in PACKAGES:
        for path in (REPO / pkg).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def _runtime_imports(path: Path) -> list[str]:
    """Every module imported when the code runs (lazy imports inside functions included,
    `if TYPE_CHECKING:` blocks left out: they never run)."""
    tree = ast.parse(path.read_text())
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    found: list[str] = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports."""
    names = _module_names()
    graph: dict[str, set[str]] = {name: set() for name in names}
    for name, path in names.items():
        for target in _runtime_imports(path):
            while target and target not in names:
                target = target.rpartition(".")[0]
            if target and target != name:
                graph[name].add(target)
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def test_no_import_circles() -> None:
    """No two modules import each other, directly or around a circle, not even lazily."""
    assert import_cycles(import_graph()) == []


def test_the_circle_check_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(graph) == [["a", "b", "c"]]


def test_every_package_has_its_tests_folder() -> None:
    """Tests mirror the packages: webapp/x/y is tested in tests/webapp/x/y (a package with at
    least one test_*.py), and so is each top-level package and every package inside it
    (tests/pipelines, tests/streamlit_app/app_pages, ...)."""
    packages = [REPO / pkg for pkg in PACKAGES]
    for pkg in PACKAGES:
        packages += sorted(p.parent for p in (REPO / pkg).rglob("*/__init__.py"))
    missing = []
    for package in packages:
        folder = REPO / "tests" / package.relative_to(REPO)
        if not (folder / "__init__.py").is_file() or not any(folder.glob("test_*.py")):
            missing.append(str(folder.relative_to(REPO)))
    assert missing == []
