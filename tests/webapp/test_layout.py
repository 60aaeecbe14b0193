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
