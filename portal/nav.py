"""Navigation links that depend on the user's role (blueprints add theirs here)."""

from __future__ import annotations

from flask import Flask, url_for

# (label, endpoint, roles allowed); an endpoint that is not registered is skipped.
LINKS = [
    ("Generate", "generation.new", ("member", "supervisor", "admin")),
    ("Review", "review.queue", ("supervisor", "admin")),
    ("Audit log", "audit_log.index", ("supervisor", "admin")),
    ("Detectors", "detectors.index", ("admin",)),
    ("Workers", "operations.workers", ("supervisor", "admin")),
    ("Retention", "operations.retention_settings", ("admin",)),
    ("API tokens", "api_tokens.index", ("member", "supervisor", "admin")),
]


def register(app: Flask) -> None:
    @app.context_processor
    def nav():
        def nav_links(user):
            return [{"label": label, "url": url_for(endpoint)} for label, endpoint, roles in LINKS
                    if user.role in roles and endpoint in app.view_functions]

        return {"nav_links": nav_links}
