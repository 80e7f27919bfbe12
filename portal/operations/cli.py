"""`flask queue status|pause|resume` and `flask storage purge|retention`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.db import JOB_KINDS
from portal.extensions import db
from portal.operations import queues, retention
from portal.queue import QUEUES
from portal.storage.gc import storage_cli

queue_cli = AppGroup("queue", help="Workers and queues.")


@queue_cli.command("status")
def queue_status():
    """Live workers (host, device, current job, heartbeat), queue lengths (database and RQ), jobs per user."""
    for line in queues.status_lines(queues.overview()):
        click.echo(line)


@queue_cli.command("pause")
@click.argument("name", type=click.Choice(QUEUES))
def queue_pause(name):
    """Stop workers taking new jobs from a queue (running jobs finish; submissions still queue)."""
    click.echo(f"paused: {', '.join(queues.set_paused(name, True, None)) or 'none'}")


@queue_cli.command("resume")
@click.argument("name", type=click.Choice(QUEUES))
def queue_resume(name):
    """Let workers take jobs from a paused queue again."""
    click.echo(f"paused: {', '.join(queues.set_paused(name, False, None)) or 'none'}")


@storage_cli.command("purge")
@click.option("--delete", is_flag=True, help="Remove the files (without it, only list what retention would remove).")
@click.option("--limit", default=1000, show_default=True, help="Jobs at most in one run.")
def purge_command(delete: bool, limit: int):
    """Apply the retention setting: remove the files of ended jobs older than their kind's limit (dry run)."""
    items, freed = retention.purge(delete, limit)
    for item in items:
        click.echo(f"{'removed' if delete else 'would remove'} job {item.job_id} ({item.kind}, ended "
                   f"{item.finished_at:%Y-%m-%d}): {' and '.join(item.parts)}, {item.files} file(s), "
                   f"{item.size:,} bytes")
    size = freed if delete else sum(i.size for i in items)
    click.echo(f"{len(items)} job(s), {size:,} bytes{'' if delete else ' (dry run: add --delete to remove)'}")


@storage_cli.command("retention")
@click.option("--kind", type=click.Choice(list(JOB_KINDS)), default=None)
@click.option("--inputs", type=click.IntRange(0), default=None, help="Days inputs are kept (0: until removed).")
@click.option("--outputs", type=click.IntRange(0), default=None, help="Days outputs are kept (0: until removed).")
def retention_command(kind, inputs, outputs):
    """Show the retention setting, or change one kind's days."""
    rules = retention.policy()
    if kind and (inputs is not None or outputs is not None):
        rules[kind].update({k: v for k, v in (("inputs", inputs), ("outputs", outputs)) if v is not None})
        retention.set_policy(rules, None)
        db.session.commit()
    for name, days in retention.policy().items():
        click.echo(f"{name:12s} inputs {days['inputs'] or 'kept':>5} days  outputs {days['outputs'] or 'kept':>5} days")
