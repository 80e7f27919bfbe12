"""Personal API tokens: made and revoked in the browser; only the token's sha256 is stored.

A token acts as its owner with the owner's role as it is now (a demoted or disabled owner's tokens lose that power
at once), never more; its scope can narrow it further: "read" allows only reading (GET) calls."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Optional

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import or_, select, update
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange
from wtforms.validators import Optional as OptionalValue

from portal import audit
from portal.db import ApiToken, User, utcnow
from portal.extensions import db
from portal.forms import ActionForm

bp = Blueprint("api_tokens", __name__, url_prefix="/account/tokens")
PREFIX = "dfl_"
MAX_TOKENS = 20  # live tokens per user
SCOPES = {"full": "everything your role allows", "read": "read only: jobs, results, files, the audit export"}


class TokenForm(FlaskForm):
    name = StringField("Name (what the token is for)", validators=[DataRequired(), Length(max=100)])
    expires_days = IntegerField("Expires after (days; empty: until revoked)",
                                validators=[OptionalValue(), NumberRange(1, 3650)])
    scope = SelectField("Scope", choices=list(SCOPES.items()), default="full")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def create(user: User, name: str, expires_days: Optional[int] = None, scope: str = "full") -> str:
    """A new token for user (the caller commits); the returned secret is never stored."""
    if scope not in SCOPES:
        raise ValueError(f"Unknown token scope {scope!r}; one of {', '.join(SCOPES)}.")
    token = PREFIX + secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=expires_days) if expires_days else None
    db.session.add(ApiToken(user_id=user.id, name=name.strip()[:100], token_hash=digest(token), prefix=token[:12],
                            expires_at=expires_at, scope=scope))
    return token


def revoke_all(user: User) -> int:
    """Revoke every live token of user (the caller commits); returns how many."""
    return db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                              .values(revoked_at=utcnow())).rowcount or 0


def live(token: str) -> Optional[ApiToken]:
    """The live token row of an active user (its .user, its .scope), or None; marks the token used."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = db.session.execute(select(ApiToken).where(ApiToken.token_hash == digest(token))).scalar_one_or_none()
    now = utcnow()
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now
        db.session.commit()
    return row


def live_tokens(user: User) -> list[ApiToken]:
    return list(db.session.execute(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
        or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > utcnow())).order_by(ApiToken.id.desc())).scalars())


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    form, new_token = TokenForm(), None
    if form.validate_on_submit():
        if len(live_tokens(current_user)) >= MAX_TOKENS:
            flash(f"You already have {MAX_TOKENS} tokens; revoke one first.", "error")
        else:
            new_token = create(current_user, form.name.data, form.expires_days.data, form.scope.data)
            audit.record("api_token.create", current_user, current_user, name=form.name.data.strip()[:100],
                         expires_days=form.expires_days.data, scope=form.scope.data)
            db.session.commit()
    status = 400 if form.errors else 200
    response = make_response(render_template("api_tokens/index.html", form=form, new_token=new_token,
                                             tokens=live_tokens(current_user), revoke=ActionForm()), status)
    response.headers["Cache-Control"] = "no-store"  # the page shows a secret once: no cache may keep it
    return response


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != current_user.id or row.revoked_at is not None:
        abort(404)
    if ActionForm().validate_on_submit():
        row.revoked_at = utcnow()
        audit.record("api_token.revoke", current_user, current_user, token=row.prefix, name=row.name)
        db.session.commit()
        flash(f"Token {row.name} ({row.prefix}…) revoked.", "info")
    else:
        flash("The token was not revoked (form expired); try again.", "error")
    return redirect(url_for("api_tokens.index"))
