"""Admin pages: accounts (create, disable, re-role) and portal settings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from portal import audit
from portal.accounts import users
from portal.accounts.users import EMAIL
from portal.admin import settings
from portal.authz import role_required
from portal.db import ROLES, User
from portal.extensions import db
from portal.forms import perform

bp = Blueprint("admin", __name__, url_prefix="/admin")


class NewUserForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired(), Regexp(EMAIL, message="Enter an email address."),
                                            Length(max=255)])
    password = PasswordField("Initial password", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Role", choices=[(r, r) for r in ROLES], default="member")


class EditUserForm(FlaskForm):
    role = SelectField("Role", choices=[(r, r) for r in ROLES])
    active = BooleanField("Active")



class SettingsForm(FlaskForm):
    allow_registration = BooleanField("Anyone may register an account (as a member)")
    max_queued_per_user = IntegerField("Waiting jobs per user (0: no cap)",
                                       validators=[Optional(), NumberRange(0, 10000)])
    max_running_per_user = IntegerField("Running jobs per user (0: no cap)",
                                        validators=[Optional(), NumberRange(0, 1000)])
    max_upload_mb = IntegerField("Upload limit per file, MB (0: the server's MAX_UPLOAD_MB)",
                                 validators=[Optional(), NumberRange(0, 100000)])

    LIMITS = ("max_queued_per_user", "max_running_per_user", "max_upload_mb")


@bp.route("/users", methods=["GET", "POST"])
@role_required("admin")
def user_list():
    form = NewUserForm()
    refused = False
    if form.validate_on_submit():
        try:
            user = users.create(form.email.data, form.name.data, form.password.data, form.role.data, current_user)
            db.session.commit()
            flash(f"Account {user.email} created.", "info")
            return redirect(url_for("admin.user_list"))
        except users.AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            refused = True
    rows = db.session.execute(select(User).order_by(User.id)).scalars().all()
    page = render_template("admin/users.html", users=rows, form=form, edit=EditUserForm)
    return page, 400 if form.errors or refused else 200


@bp.route("/users/<int:user_id>", methods=["POST"])
@role_required("admin")
def user_edit(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = EditUserForm()

    def change():
        if form.role.data != user.role:
            users.set_role(user, form.role.data, current_user)
        if bool(form.active.data) != user.active:
            users.set_active(user, bool(form.active.data), current_user)
        return f"{user.email}: role {user.role}, {'active' if user.active else 'disabled'}."

    perform(change, refused=(users.AccountError,), form=form)
    return redirect(url_for("admin.user_list"))


@bp.route("/users/<int:user_id>/end-sessions", methods=["POST"])
@role_required("admin")
def end_sessions(user_id: int):
    """Sign a user out of every browser (their API tokens are revoked on the token page or by disabling)."""
    user = db.session.get(User, user_id) or abort(404)
    perform(lambda: f"{user.email}: {users.end_sessions(user, current_user)} session(s) ended.")
    return redirect(url_for("admin.user_list"))


@bp.route("/settings", methods=["GET", "POST"])
@role_required("admin")
def portal_settings():
    form = SettingsForm(allow_registration=settings.get("allow_registration"),
                        **{key: int(settings.get(key) or 0) for key in SettingsForm.LIMITS})
    if request.method == "POST" and form.validate_on_submit():
        values = {"allow_registration": bool(form.allow_registration.data)}
        values.update({key: int(getattr(form, key).data) for key in SettingsForm.LIMITS
                       if getattr(form, key).data is not None})
        for key, value in values.items():
            settings.put(key, value)
        audit.record("settings.update", current_user, None, **values)
        db.session.commit()
        flash("Settings saved.", "info")
        return redirect(url_for("admin.portal_settings"))
    return render_template("admin/settings.html", form=form), 400 if form.errors else 200
