"""Account operations shared by the admin pages and the `flask users` commands."""

from __future__ import annotations

from typing import Optional

from sqlalchemy import func, select

from portal import audit
from portal.accounts import sessions
from portal.accounts.passwords import hash_password, weakness
from portal.db import ROLES, User
from portal.extensions import db

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"  # internal lab domains (lab.local) are fine


class AccountError(Exception):
    """The account change is refused; the message says why."""


def find(email: str) -> Optional[User]:
    return db.session.execute(select(User).where(func.lower(User.email) == email.strip().lower())).scalar_one_or_none()


NEUTRAL_REFUSAL = "The account could not be created with these details. If you already have one, sign in."


def create(email: str, name: str, password: str, role: str = "member", actor: Optional[User] = None,
           neutral: bool = False) -> User:
    """A new active account (the caller commits); neutral: self-registration, whose refusal never says an
    account exists."""
    email = email.strip().lower()
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    if (reason := weakness(password)) is not None:
        raise AccountError(reason)
    if find(email):
        raise AccountError(NEUTRAL_REFUSAL if neutral else f"An account for {email} already exists.")
    user = User(email=email, name=name.strip() or email, password_hash=hash_password(password), role=role)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", actor, user, email=email, role=role)
    return user


def set_role(user: User, role: str, actor: Optional[User] = None) -> None:
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    _keep_an_admin(user, role=role)
    audit.record("user.set_role", actor, user, old=user.role, new=role)
    user.role = role


def set_active(user: User, active: bool, actor: Optional[User] = None) -> None:
    if not active:
        _keep_an_admin(user, active=False)
    audit.record("user.enable" if active else "user.disable", actor, user)
    user.active = active
    if not active:
        sessions.end_all(user)


def set_password(user: User, password: str, actor: Optional[User] = None, keep_session: Optional[str] = None) -> None:
    """A new password; every sign-in session of the user ends except keep_session (the one changing it)."""
    if (reason := weakness(password)) is not None:
        raise AccountError(reason)
    user.password_hash = hash_password(password)
    ended = sessions.end_all(user, keep=keep_session)
    audit.record("user.password", actor, user, sessions_ended=ended)


def end_sessions(user: User, actor: Optional[User] = None) -> int:
    """Sign the user out everywhere (the caller commits); returns how many sessions ended."""
    ended = sessions.end_all(user, keep=actor.session_key if actor is not None and actor.id == user.id else None)
    audit.record("user.end_sessions", actor, user, sessions_ended=ended)
    return ended


def _keep_an_admin(user: User, role: str = "admin", active: bool = True) -> None:
    """Refuse a change that would leave the portal without an active admin."""
    if user.role != "admin" or (role == "admin" and active):
        return
    admins = db.session.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active))
    if admins <= 1:
        raise AccountError("This is the last active admin; make another admin first.")


PASSWORD_CHANGE = "password_change_required"  # setting: ids of users who must choose their own password first


def require_password_change(user: User) -> None:
    """Ask this user to choose a new password before anything else (the caller commits)."""
    from portal.admin import settings

    ids = set(settings.get(PASSWORD_CHANGE) or [])
    settings.put(PASSWORD_CHANGE, sorted(ids | {user.id}))


def must_change_password(user: User) -> bool:
    """Only the first admin's printed password (`flask users ensure-admin`) is marked, so other roles cost no query
    on each request."""
    from portal.admin import settings

    return user.role == "admin" and user.id in (settings.get(PASSWORD_CHANGE) or [])


def password_changed(user: User) -> None:
    """The user chose their own password: no longer asked (the caller commits)."""
    from portal.admin import settings

    ids = [i for i in settings.get(PASSWORD_CHANGE) or [] if i != user.id]
    settings.put(PASSWORD_CHANGE, ids)
