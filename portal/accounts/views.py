"""Sign in, sign out, change password, and self-registration when an admin allows it."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from portal import audit
from portal.accounts import ratelimit, sessions, users
from portal.accounts import tokens as api_tokens
from portal.accounts.passwords import check_password, check_password_of
from portal.accounts.users import EMAIL
from portal.admin import settings
from portal.db import User, utcnow
from portal.extensions import db

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=255)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    new = PasswordField("New password", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField("Repeat new password", validators=[EqualTo("new", "The passwords differ.")])
    revoke_tokens = BooleanField("Also revoke my API tokens", default=True)


class RegisterForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired(), Regexp(EMAIL, message="Enter an email address."),
                                            Length(max=255)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("jobs.history")


def sign_in(user: User) -> None:
    """A fresh cookie session (new CSRF secret, nothing carried over) bound to a new server-side session row."""
    session.clear()
    sessions.start(user)
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = users.find(form.email.data)
        # the password is checked (against a dummy hash when there is no account) so timing tells nothing
        if check_password_of(user, form.password.data) and user.active:
            sign_in(user)
            user.last_login_at = utcnow()
            audit.record("user.login", user, user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        if (count := ratelimit.count_failed_login()) is not None:
            audit.record("user.login_failed", None, None, email=form.email.data[:255], failures_from_ip=count,
                         note="one row per address at the 1st, 10th, 100th... failure in a 10 minute window")
            db.session.commit()
        flash("Wrong email or password, or the account is disabled.", "error")
    return render_template("auth/login.html", form=form, registration=settings.get("allow_registration"))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    audit.record("user.logout", current_user, current_user)
    sessions.end(current_user.session_key)
    db.session.commit()
    logout_user()
    session.clear()
    flash("Signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.before_app_request
def _generated_password_first():
    """A first admin signed in with the printed password is sent to choose their own before anything else."""
    if (current_user.is_authenticated and request.endpoint not in ("auth.change_password", "auth.logout", "static")
            and request.blueprint != "api" and users.must_change_password(current_user)):
        flash("You signed in with the generated password: choose your own before going on.", "warning")
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not check_password(current_user.password_hash, form.current.data):
            flash("The current password is wrong.", "error")
        else:
            try:
                users.set_password(current_user, form.new.data, actor=current_user,
                                   keep_session=current_user.session_key)
                users.password_changed(current_user)
                if form.revoke_tokens.data:
                    revoked = api_tokens.revoke_all(current_user)
                    audit.record("api_token.revoke_all", current_user, current_user, count=revoked)
                db.session.commit()
                flash("Password changed; your other sessions were signed out"
                      + (" and your API tokens revoked." if form.revoke_tokens.data else "."), "info")
                return redirect(url_for("jobs.history"))
            except users.AccountError as exc:
                flash(str(exc), "error")
    return render_template("auth/password.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if not settings.get("allow_registration"):
        abort(404)
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = users.create(form.email.data, form.name.data, form.password.data, neutral=True)
            sign_in(user)
            db.session.commit()
            return redirect(url_for("jobs.history"))
        except users.AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
    return render_template("auth/register.html", form=form)
