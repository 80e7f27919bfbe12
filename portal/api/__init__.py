"""REST API /api/v1: bearer tokens only (no cookies, so no CSRF), the same permissions and services as the pages."""

from portal.api import admin, generation  # noqa: F401  (their routes join the blueprint)
from portal.api.views import bp

__all__ = ["bp"]
