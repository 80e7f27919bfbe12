"""WSGI entry: `app = create_app()` for any WSGI server (waitress, gunicorn)."""

from portal import create_app

app = create_app()
