"""Revocable sign-in sessions: the cookie carries a random key, a row says whether it still counts.

Flask's cookie session cannot be taken back once sent; so each sign-in makes a UserSession row, the user id that
Flask-Login keeps in the cookie is "<user id>:<key>", and the user loader accepts it only while the row is open.
Logout ends that row; a password change or an admin ends all of a user's rows.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Optional

from flask import has_request_context, request
from sqlalchemy import select, update

from portal.db import User, UserSession, utcnow
from portal.extensions import db


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def start(user: User) -> str:
    """Open a session row for user (the caller commits); returns the key the cookie will carry."""
    key = secrets.token_urlsafe(32)
    ip = (request.remote_addr or "")[:45] if has_request_context() else ""
    db.session.add(UserSession(user_id=user.id, token_hash=_digest(key), ip=ip))
    user.session_key = key
    return key


def load(value: str) -> Optional[User]:
    """Flask-Login's user loader: the user of an open session, or None (signed out, ended, or a bad value)."""
    user_id, _, key = (value or "").partition(":")
    if not user_id.isdigit() or not key or len(key) > 100:
        return None
    user = db.session.execute(select(User).join(UserSession, UserSession.user_id == User.id).where(
        UserSession.token_hash == _digest(key), UserSession.ended_at.is_(None),
        User.id == int(user_id))).scalar_one_or_none()  # one query on every request
    if user is not None:
        user.session_key = key
    return user


def end(key: Optional[str]) -> None:
    """End one session (the caller commits)."""
    if key:
        db.session.execute(update(UserSession).where(UserSession.token_hash == _digest(key),
                                                     UserSession.ended_at.is_(None)).values(ended_at=utcnow()))


def end_all(user: User, keep: Optional[str] = None) -> int:
    """End every open session of user except the one whose key is keep (the caller commits); returns how many."""
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep:
        query = query.where(UserSession.token_hash != _digest(keep))
    return db.session.execute(query.values(ended_at=utcnow())).rowcount or 0


def open_count(user: User) -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None))) or 0
