"""Error pages: a sentence for a person, never a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError

MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have access to this page.",
    404: "There is nothing here, or it is not yours to see.",
    405: "This page does not accept that kind of request.",
    410: "This file is no longer stored.",
    500: "Something went wrong on our side; the error was logged.",
}


def _page(code: int, message: str):
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error=message, status=code), code
    return render_template("error.html", code=code, message=message), code


def register(app: Flask) -> None:
    for code, message in MESSAGES.items():
        app.register_error_handler(code, lambda exc, c=code, m=message: _page(c, m))

    @app.errorhandler(413)
    def too_large(exc):  # the limit of this request: the admin's setting (portal.admin.limits) or the server's
        limit = request.max_content_length or app.config["MAX_CONTENT_LENGTH"]
        return _page(413, f"The file is larger than the upload limit of {limit // (1024 * 1024)} MB.")

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _page(400, "The form expired or was not sent by this portal; reload the page and try again.")
