"""`flask` commands: users, models, worker, serve (the `make run` launcher)."""

from __future__ import annotations

import os
import secrets

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from portal.accounts import users as accounts
from portal.db import ROLES, User
from portal.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")
audit_cli = AppGroup("audit", help="The tamper-evident audit log.")
models_cli = AppGroup("models", help="Model weights in MODELS_DIR.")


def _user(email: str) -> User:
    user = accounts.find(email)
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    return user


def _commit_or_fail(action) -> None:
    try:
        action()
        db.session.commit()
    except accounts.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc


@users_cli.command("create")
@click.argument("email")
@click.option("--name", default="")
@click.option("--role", type=click.Choice(ROLES), default="member")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def users_create(email, name, role, password):
    """Create an account."""
    _commit_or_fail(lambda: accounts.create(email, name or email, password, role))
    click.echo(f"created {email} ({role})")


@users_cli.command("list")
def users_list():
    """List accounts."""
    for u in db.session.execute(select(User).order_by(User.id)).scalars():
        click.echo(f"{u.id:4d}  {u.email:40s} {u.role:10s} {'active' if u.active else 'disabled'}")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
def users_set_role(email, role):
    """Change an account's role."""
    user = _user(email)
    _commit_or_fail(lambda: accounts.set_role(user, role))
    click.echo(f"{email} is now {role}")


@users_cli.command("disable")
@click.argument("email")
def users_disable(email):
    """Disable an account (it can no longer sign in)."""
    user = _user(email)
    _commit_or_fail(lambda: accounts.set_active(user, False))
    click.echo(f"{email} disabled")


@users_cli.command("enable")
@click.argument("email")
def users_enable(email):
    """Enable a disabled account."""
    user = _user(email)
    _commit_or_fail(lambda: accounts.set_active(user, True))
    click.echo(f"{email} enabled")


@users_cli.command("ensure-admin")
@click.option("--email", default=lambda: os.environ.get("PORTAL_ADMIN_EMAIL", "admin@lab.local"))
def users_ensure_admin(email):
    """Create the first admin when there is none (password from PORTAL_ADMIN_PASSWORD, else printed once)."""
    if db.session.scalar(select(User).where(User.role == "admin").limit(1)):
        click.echo("an admin exists")
        return
    password = os.environ.get("PORTAL_ADMIN_PASSWORD") or secrets.token_urlsafe(12) + "7"

    def create():
        admin = accounts.create(email, "Administrator", password, "admin")
        if not os.environ.get("PORTAL_ADMIN_PASSWORD"):  # a printed password: asked to change it at first sign-in
            db.session.flush()
            accounts.require_password_change(admin)

    _commit_or_fail(create)
    shown = "from PORTAL_ADMIN_PASSWORD" if os.environ.get("PORTAL_ADMIN_PASSWORD") else password
    click.echo(f"first admin: {email}  password: {shown}  (change it after signing in)")


@models_cli.command("list")
def models_list():
    """Every catalog entry and whether it is installed."""
    from models.catalog import CATALOG
    from models.weights import status

    for name, entry in CATALOG.items():
        reason = status(name, current_app.config["MODELS_DIR"])
        click.echo(f"{name:22s} {entry.kind:14s} {'ok' if reason is None else 'missing'}  {entry.path}")


@models_cli.command("download")
@click.argument("names", nargs=-1)
def models_download(names):
    """Fetch weights from their upstream URLs into MODELS_DIR, checking sha256 (default: every detector)."""
    from models.catalog import CATALOG, entries
    from models.weights import download, status

    models_dir = current_app.config["MODELS_DIR"]
    chosen = [CATALOG[n] for n in names if n in CATALOG] if names else [e for e in entries("detector") if e.url]
    for unknown in set(names) - set(CATALOG):
        raise click.ClickException(f"Unknown model {unknown!r}; see 'flask models list'.")
    for entry in chosen:
        if status(entry.name, models_dir) is None:
            click.echo(f"{entry.name}: already installed")
            continue
        try:
            path = download(entry, models_dir)
            click.echo(f"{entry.name}: {path} (sha256 ok)")
        except Exception as exc:  # network errors, wrong hash: report each and go on
            click.echo(f"{entry.name}: FAILED ({exc})", err=True)


@click.command("worker")
@with_appcontext
@click.option("--queue", "queues", multiple=True, help="Queues to serve (default: all).")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--name", default=None)
@click.option("--gpu", default=None, help="Pin this worker to one GPU (its index, as nvidia-smi counts).")
@click.option("--cpu", "cpu_only", is_flag=True, help="Run on the CPU even where a GPU is visible.")
def worker_command(queues, burst, name, gpu, cpu_only):
    """Start a worker that loads models once and runs jobs without forking (on a GPU when one is visible)."""
    from workers.run import run_worker

    if gpu is not None or cpu_only:  # before any runtime is imported: CUDA reads it once
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1" if cpu_only else str(gpu).strip()
    if gpu is not None and not cpu_only:
        from workers.device import current

        if not current().is_gpu:
            raise click.ClickException(f"--gpu {gpu}: no runtime sees that GPU (a CUDA build of torch, "
                                       f"onnxruntime-gpu or tensorflow[and-cuda] is needed; `GPU=1 make install`).")
    run_worker(current_app._get_current_object(), queues, burst=burst, name=name)


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--workers", "n_workers", default="1", show_default=True,
              help='Workers to start: a number, or "auto" (one per GPU, pinned; one on a CPU-only host).')
@click.option("--processes", default="auto", show_default=True,
              help='Web processes (gunicorn on Linux): a number, or "auto" (one per CPU core, at least 2).')
def serve_command(host, port, n_workers, processes):
    """Serve the portal with its workers (and the embedded Redis when REDIS_URL is unset)."""
    from portal.cli.serve import serve

    if n_workers != "auto" and not n_workers.isdigit():
        raise click.BadParameter('a number or "auto"', param_hint="--workers")
    serve(current_app._get_current_object(), host, port, n_workers, processes)


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


@click.command("generate")
@with_appcontext
@click.option("--source", required=True, type=click.Path(exists=True, dir_okay=False), help="Source photo.")
@click.option("--target", required=True, type=click.Path(exists=True, dir_okay=False), help="Target video.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Output .mp4.")
@click.option("--swapper", default="classical", show_default=True)
@click.option("--faces", type=click.Choice(["all", "largest", "reference"]), default="all", show_default=True)
@click.option("--reference", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--source-face", type=int, default=None, help="Which face of the source photo (1 = largest).")
@click.option("--face-finder", default="mtcnn", show_default=True)
def generate_command(source, target, out, swapper, faces, reference, source_face, face_finder):
    """Run a face swap without the portal (labelled, watermarked with 0, manifest embedded)."""
    from portal.offline import generate_offline

    try:
        result = generate_offline(source, target, out, swapper, faces, reference, source_face, face_finder,
                                  current_app.config["MODELS_DIR"])
    except Exception as exc:  # av's EOFError is a builtin EOFError, which click would print as "Aborted!"
        from models.errors import ModelsError

        reason = str(exc) if isinstance(exc, ModelsError) else f"generation failed ({type(exc).__name__}: {exc})"
        raise click.ClickException(reason) from exc
    click.echo(f"{out}: {result.frames} frames, {result.faces_swapped} faces swapped in {result.seconds:.1f} s")


def register(app: Flask) -> None:
    from portal.detectors import training_cli  # noqa: F401  (adds train / evaluate to the detector group)
    from portal.detectors.cli import detector_cli
    from portal.operations.cli import queue_cli  # also adds purge / retention to the storage group
    from portal.storage.gc import storage_cli

    for command in (users_cli, models_cli, audit_cli, detector_cli, storage_cli, queue_cli, worker_command,
                    serve_command, generate_command):
        app.cli.add_command(command)
