"""Content-addressed file store: storage/ab/cd/<sha256>. No user-supplied name ever reaches the file system."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

_KEY = re.compile(r"^[0-9a-f]{64}$")


class StorageError(Exception):
    """A write to the store failed (disk full, permissions); the message is for a person."""


class Storage:
    """Files addressed by their sha256 under one root directory that every worker mounts."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """The file of a key; the key must be a sha256 hex string (so it can never walk the tree)."""
        if not _KEY.match(key):
            raise ValueError("not a storage key")
        return self.root / key[:2] / key[2:4] / key

    def tmp_dir(self) -> Path:
        d = self.root / "tmp"
        d.mkdir(parents=True, exist_ok=True)
        return d

    def save_stream(self, stream: BinaryIO, limit: int | None = None) -> tuple[Path, str, int]:
        """Copy a stream into a temp file, hashing as it goes; returns (temp path, sha256, size)."""
        digest, size = hashlib.sha256(), 0
        fd, name = tempfile.mkstemp(dir=self.tmp_dir(), prefix="upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while block := stream.read(1 << 20):
                    size += len(block)
                    if limit is not None and size > limit:
                        raise StorageError("The file is larger than the upload limit.")
                    digest.update(block)
                    out.write(block)
        except OSError as exc:
            Path(name).unlink(missing_ok=True)
            raise StorageError(f"The server could not store the file ({exc.strerror}).") from exc
        except StorageError:
            Path(name).unlink(missing_ok=True)
            raise
        return Path(name), digest.hexdigest(), size

    def adopt(self, tmp_path: Path, key: str) -> str:
        """Move a verified temp file to its content address (a duplicate upload keeps the existing copy)."""
        target = self.path(key)
        if target.exists():
            tmp_path.unlink(missing_ok=True)
            return key
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(tmp_path), target)
        return key

    def put_file(self, src: Path) -> tuple[str, int]:
        """Store a file made by a worker; returns (key, size)."""
        digest = hashlib.sha256()
        with open(src, "rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
        key = digest.hexdigest()
        target = self._place(key, lambda tmp: shutil.copyfile(src, tmp))
        return key, target.stat().st_size

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        """Store bytes (a report, a plot) and return (key, size)."""
        key = hashlib.sha256(data).hexdigest()
        self._place(key, lambda tmp: tmp.write_bytes(data))
        return key, len(data)

    def _place(self, key: str, write: Callable[[Path], object]) -> Path:
        """Write a key's content once: into a .part file, then renamed into place (readers never see half a file)."""
        target = self.path(key)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".part")
            try:
                write(tmp)
                os.replace(tmp, target)
            except OSError as exc:
                raise StorageError(f"The server could not store the output ({exc.strerror}).") from exc
        return target


def app_storage() -> Storage:
    """The store of the running app (STORAGE_DIR)."""
    from flask import current_app

    return Storage(current_app.config["STORAGE_DIR"])
