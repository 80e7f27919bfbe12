"""`flask users ...`: accounts from the command line (the same operations as the admin pages)."""

from __future__ import annotations

import secrets

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.accounts import users as accounts
from portal.db import ROLES, User
from portal.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")


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


def _change(email: str, change, done: str) -> None:
    """Apply one account operation to EMAIL's account, commit, and say what it is now."""
    user = _user(email)
    _commit_or_fail(lambda: change(user))
    click.echo(f"{email} {done}")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
def users_set_role(email, role):
    """Change an account's role."""
    _change(email, lambda user: accounts.set_role(user, role), f"is now {role}")


@users_cli.command("disable")
@click.argument("email")
def users_disable(email):
    """Disable an account (it can no longer sign in)."""
    _change(email, lambda user: accounts.set_active(user, False), "disabled")


@users_cli.command("enable")
@click.argument("email")
def users_enable(email):
    """Enable a disabled account."""
    _change(email, lambda user: accounts.set_active(user, True), "enabled")


@users_cli.command("ensure-admin")
@click.option("--email", default=None, help="Default: PORTAL_ADMIN_EMAIL, else admin@lab.local.")
def users_ensure_admin(email):
    """Create the first admin when there is none (password from PORTAL_ADMIN_PASSWORD, else printed once)."""
    if db.session.scalar(select(User).where(User.role == "admin").limit(1)):
        click.echo("an admin exists")
        return
    email = email or current_app.config["ADMIN_EMAIL"]
    given = current_app.config["ADMIN_PASSWORD"]
    password = given or secrets.token_urlsafe(12) + "7"

    def create():
        admin = accounts.create(email, "Administrator", password, "admin")
        if not given:  # a printed password: asked to change it at first sign-in
            db.session.flush()
            accounts.require_password_change(admin)

    _commit_or_fail(create)
    shown = "from PORTAL_ADMIN_PASSWORD" if given else password
    click.echo(f"first admin: {email}  password: {shown}  (change it after signing in)")
