"""URL converters: ids beyond the database's integer column answer 404 instead of reaching SQL."""

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """<int:...> that matches only 0..2**31-1 (a larger id cannot exist, so the route does not match: 404)."""

    def __init__(self, map, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, **kwargs)


def page_number(raw) -> int:
    """?page= clamped to 1..100000 (a bigger page would overflow the query's OFFSET)."""
    try:
        return min(max(int(raw), 1), 100_000)
    except (TypeError, ValueError):
        return 1


def escape_like(text: str) -> str:
    """A user's search text taken literally inside a LIKE pattern (used with escape="\\")."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
