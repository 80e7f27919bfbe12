"""`flask models list|download`: the weights catalog in MODELS_DIR."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

models_cli = AppGroup("models", help="Model weights in MODELS_DIR.")


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
