"""Forms every noun uses: the CSRF-only button, and how a button's action is carried out."""

from __future__ import annotations

from typing import Callable

from flask import flash
from flask_wtf import FlaskForm

from portal.extensions import db


class ActionForm(FlaskForm):
    """An empty form: a button that carries the CSRF token (cancel, approve, revoke, mark read, ...)."""


def perform(action: Callable[[], str | None], refused: tuple[type[Exception], ...] = (),
            form: FlaskForm | None = None) -> bool:
    """A form's action (by default a bare button's): validated with its CSRF token, run, committed, and the sentence
    it returns shown. An exception of a REFUSED type rolls back and is shown as the reason; an invalid or expired
    form changes nothing and says why."""
    form = form or ActionForm()
    if not form.validate_on_submit():
        problems = [e for errors in form.errors.values() for e in errors if "CSRF" not in e]
        flash("Nothing changed: " + ("; ".join(problems) if problems else "the form expired; try again."), "error")
        return False
    try:
        said = action()
        db.session.commit()
    except refused as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return False
    if said:
        flash(said, "info")
    return True
