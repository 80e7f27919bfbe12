"""Files no row references: dropped after a refused request, and by `flask storage gc` (dry run by default)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterable

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.db import Artifact, DetectorModel, PendingGeneration
from portal.extensions import db
from portal.storage import Storage, app_storage

storage_cli = AppGroup("storage", help="The content-addressed file store.")
PENDING_ROLES = ("source", "target", "reference", "evidence")


def _pending_keys(conn) -> set[str]:
    keys = set()
    for (data,) in conn.execute(select(PendingGeneration.data)):
        keys.update(data[role]["key"] for role in PENDING_ROLES if isinstance((data or {}).get(role), dict))
    return keys


def referenced(keys: Iterable[str] | None = None) -> set[str]:
    """The keys (of those given, or all) that a job file, a detector or a pending request refers to.

    Read on a connection of its own, so only committed rows count and the request's session is left alone."""
    keys = None if keys is None else set(keys)
    with db.engine.connect() as conn:
        found = _pending_keys(conn)
        for column in (Artifact.storage_key, DetectorModel.weights_key):
            query = select(column).distinct()
            if keys is not None:
                query = query.where(column.in_(keys))
            found.update(k for (k,) in conn.execute(query))
    return found if keys is None else found & keys


def drop_unreferenced(storage: Storage, keys: set[str]) -> list[str]:
    """Remove those of keys (files this request added) that no committed row references; returns them."""
    dropped = sorted(set(keys) - referenced(keys))
    for key in dropped:
        storage.path(key).unlink(missing_ok=True)
    return dropped


def garbage(storage: Storage, min_age: float) -> list[tuple[Path, int]]:
    """Stored files older than min_age seconds that no row references, and temp uploads left behind."""
    now, found = time.time(), []
    keep = referenced()
    for path in storage.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*"):
        stat = path.lstat()
        if path.is_file() and path.name not in keep and now - stat.st_mtime > min_age:
            found.append((path, stat.st_size))
    tmp = storage.root / "tmp"
    for path in tmp.glob("upload-*") if tmp.is_dir() else ():
        stat = path.lstat()
        if path.is_file() and now - stat.st_mtime > max(min_age, 3600):
            found.append((path, stat.st_size))
    return found


@storage_cli.command("gc")
@click.option("--delete", is_flag=True, help="Remove the files (without it, only list them).")
@click.option("--min-age-hours", default=24.0, show_default=True,
              help="Leave younger files alone (a job may be storing outputs it has not yet recorded).")
def gc_command(delete: bool, min_age_hours: float):
    """List (or with --delete remove) stored files that no job, detector or pending request refers to."""
    storage = app_storage()
    found = garbage(storage, min_age_hours * 3600)
    for path, size in found:
        click.echo(f"{'removed' if delete else 'would remove'} {path.relative_to(storage.root)} ({size:,} bytes)")
        if delete:
            path.unlink(missing_ok=True)
    total = sum(size for _, size in found)
    click.echo(f"{len(found)} file(s), {total:,} bytes{'' if delete else ' (dry run: add --delete to remove)'}")
