"""WSGI entry and the `flask --app wsgi` commands: the portal's app with the worker's commands added.

The one place that knows both sides: the portal never imports workers; workers import the portal."""

from portal import create_app
from workers.cli import register

app = create_app()
register(app)
