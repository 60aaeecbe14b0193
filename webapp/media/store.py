"""The media store: bytes by their sha256 (content-addressed), behind a small interface.

`FileStore` keeps each file at `<root>/<aa>/<bb>/<sha256>` (written to a temporary file and
renamed, so a reader never sees half a file; the same bytes stored twice are one file). An
S3-compatible store implements the same `MediaStore` protocol (put/open/exists/delete/size)
with the hash as the object key. Nothing outside this module knows where bytes live: the API
serves them through an authenticated, tenant-checked route, never by path or URL.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from webapp.config import Settings


class MediaMissing(LookupError):
    """The store has no file with that hash."""


class MediaStore(Protocol):
    """Where media bytes live, addressed by their sha256 (hex)."""

    def put(self, data: bytes) -> str:
        """Store bytes (idempotent); return their sha256."""
        ...

    def open(self, sha256: str) -> BinaryIO:
        """A readable, seekable stream of the bytes; MediaMissing when absent."""
        ...

    def exists(self, sha256: str) -> bool:
        """Whether the bytes are stored."""
        ...

    def size(self, sha256: str) -> int:
        """The stored size in bytes; MediaMissing when absent."""
        ...

    def delete(self, sha256: str) -> None:
        """Forget the bytes (no error when absent)."""
        ...


def sha256_of(data: bytes) -> str:
    """The store's key for these bytes."""
    return hashlib.sha256(data).hexdigest()


def _checked(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise MediaMissing("not a sha256")
    return sha256


class FileStore:
    """A MediaStore on the local file system (MESSAGEFLOW_HOME/media by default)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        key = _checked(sha256)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        """Write the bytes once (atomic rename); return their sha256."""
        key = sha256_of(data)
        path = self._path(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".put-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key

    def open(self, sha256: str) -> BinaryIO:
        """The file, opened for reading."""
        try:
            return self._path(sha256).open("rb")
        except FileNotFoundError:
            raise MediaMissing(sha256) from None

    def exists(self, sha256: str) -> bool:
        """Whether the file is there."""
        try:
            return self._path(sha256).is_file()
        except MediaMissing:
            return False

    def size(self, sha256: str) -> int:
        """The file's size."""
        try:
            return self._path(sha256).stat().st_size
        except FileNotFoundError:
            raise MediaMissing(sha256) from None

    def delete(self, sha256: str) -> None:
        """Remove the file if present."""
        self._path(sha256).unlink(missing_ok=True)


def store_for(settings: Settings) -> MediaStore:
    """The configured store (MEDIA_DIR, default MESSAGEFLOW_HOME/media)."""
    return FileStore(Path(settings.media_dir))
