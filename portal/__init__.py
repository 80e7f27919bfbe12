"""The lab portal: create_app() builds the Flask app used by wsgi, the CLI, workers and tests alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: Optional[dict[str, Any]] = None) -> Flask:
    """Build the app: settings from the environment (or test_config), extensions, blueprints, CLI."""
    app = Flask(__name__, instance_path=str(ROOT / "instance"), template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"))
    from portal import config

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config.from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    from portal.converters import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter
    _init_extensions(app)
    _register_blueprints(app)
    from portal import cli, conditional, errors, headers, nav

    errors.register(app)
    headers.register(app)
    conditional.register(app)
    cli.register(app)
    nav.register(app)
    from portal.accounts import ratelimit
    from portal.admin import limits

    limits.register(app)
    ratelimit.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    from portal.accounts import sessions
    from portal.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.user_loader(sessions.load)  # revocable: only an open UserSession row signs a request in


def _register_blueprints(app: Flask) -> None:
    from portal import notifications
    from portal.accounts import views as auth
    from portal.admin import audit_log
    from portal.admin import users as admin
    from portal.detectors import admin as detector_admin
    from portal.generation import review
    from portal.generation import views as generation
    from portal.jobs import files
    from portal.jobs import views as jobs

    for module in (auth, jobs, files, admin, audit_log, generation, review, detector_admin, notifications):
        app.register_blueprint(module.bp)
    notifications.register(app)
    from portal import api
    from portal.accounts import tokens as api_tokens
    from portal.operations import views as operations

    for module in (api_tokens, api, operations):
        app.register_blueprint(module.bp)
