"""REST API /api/v1: bearer tokens only (no cookies, so no CSRF), the same permissions and services as the pages."""

from portal.api.views import bp

__all__ = ["bp"]
