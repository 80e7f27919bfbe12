"""Forms every noun uses."""

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """An empty form: a button that carries the CSRF token (cancel, approve, revoke, mark read, ...)."""
