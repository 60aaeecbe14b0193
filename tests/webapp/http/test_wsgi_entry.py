"""The WSGI entry point gunicorn imports: it builds the app and freezes what startup loaded
out of the garbage collector's full collections (webapp/wsgi.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.factories import make_settings

PROBE = """
import gc
import webapp.wsgi
print(gc.get_freeze_count())
"""


def test_the_entry_point_builds_the_app_and_freezes_its_startup_objects(
        database_url: str, tmp_path: Path) -> None:
    settings = make_settings(database_url, tmp_path)
    env = {**os.environ, "DATABASE_URL": database_url, "JWT_SECRET": settings.jwt_secret,
           "MASTER_KEY": settings.master_key, "MESSAGEFLOW_ENV": "test",
           "MESSAGEFLOW_HOME": str(tmp_path), "LOG_LEVEL": "WARNING", "DB_POOL_MIN": "1",
           "DB_POOL_MAX": "2"}
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    frozen = done.stdout.strip()
    # Flask, litellm, pydantic and the app's own objects: tens of thousands, none of which a
    # full collection walks any more.
    assert int(frozen) > 20_000
