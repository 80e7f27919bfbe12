"""Password hashing and the rules a new password must meet."""

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt with a random salt


def check_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


def weakness(password: str) -> str | None:
    """Why a password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if password.isdigit() or password.isalpha():
        return "Mix letters with digits or symbols."
    return None
