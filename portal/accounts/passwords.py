"""Password hashing and the rules a new password must meet."""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt with a random salt


def check_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash made like real ones (same method and cost), checked when there is no account to check."""
    return hash_password("no account has this password")


def check_password_of(user: Optional[object], password: str) -> bool:
    """True when user exists and password is theirs; costs one hash check either way (no timing oracle)."""
    stored = getattr(user, "password_hash", None) or _dummy_hash()
    return check_password(stored, password) and user is not None


def weakness(password: str) -> str | None:
    """Why a password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if password.isdigit() or password.isalpha():
        return "Mix letters with digits or symbols."
    return None
