"""`flask` commands: each noun's group (users, detector, queue, storage, ...) and the launcher's; `register` adds them
all. The worker's own commands (`flask worker`, the in-process benchmark) live in workers/cli.py."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from portal.accounts.cli import users_cli
    from portal.cli.audit import audit_cli
    from portal.cli.generate import generate_command
    from portal.cli.models import models_cli
    from portal.cli.serve import serve_command
    from portal.detectors import training_cli  # noqa: F401  (adds train / evaluate to the detector group)
    from portal.detectors.cli import detector_cli
    from portal.operations.cli import queue_cli  # also adds purge / retention to the storage group
    from portal.storage.gc import storage_cli

    for command in (users_cli, models_cli, audit_cli, detector_cli, storage_cli, queue_cli, serve_command,
                    generate_command):
        app.cli.add_command(command)
