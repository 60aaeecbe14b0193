"""Media settings: the store under MESSAGEFLOW_HOME unless MEDIA_DIR says otherwise, the size
cap and the download attempts from the environment."""

from __future__ import annotations

from pathlib import Path

from webapp.config import Settings
from webapp.media.store import FileStore, store_for


def test_media_defaults_follow_the_home() -> None:
    s = Settings.from_env({"MESSAGEFLOW_HOME": "/srv/mf", "JWT_SECRET": "x" * 40,
                           "MASTER_KEY": "y" * 40})
    assert s.media_dir == Path("/srv/mf/media")
    assert (s.media_max_bytes, s.media_download_attempts) == (16 * 1024 * 1024, 6)
    assert Settings(home=Path("/tmp/h")).media_dir == Path("/tmp/h/media")


def test_media_settings_from_the_environment(tmp_path: Path) -> None:
    s = Settings.from_env({"MESSAGEFLOW_HOME": str(tmp_path), "JWT_SECRET": "x" * 40,
                           "MASTER_KEY": "y" * 40, "MEDIA_DIR": str(tmp_path / "blobs"),
                           "MEDIA_MAX_BYTES": "1000", "MEDIA_DOWNLOAD_ATTEMPTS": "2"})
    assert (s.media_dir, s.media_max_bytes, s.media_download_attempts) == (
        tmp_path / "blobs", 1000, 2)
    store = store_for(s)
    assert isinstance(store, FileStore) and store.root == tmp_path / "blobs"
