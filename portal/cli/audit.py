"""`flask audit verify`: check the audit log's hash chain."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.extensions import db

audit_cli = AppGroup("audit", help="The tamper-evident audit log.")


@audit_cli.command("verify")
def audit_verify():
    """Check the hash chain of the audit log; report the first broken link."""
    from portal.audit import verify_all
    from portal.db import AuditEvent

    broken = verify_all()
    total = db.session.query(AuditEvent).count()
    if broken is not None:
        raise click.ClickException(f"audit chain BROKEN at event {broken.id} ({broken.action}, "
                                   f"{broken.created_at.isoformat()}); {total} events in the log")
    click.echo(f"audit chain intact: {total} events")
