"""Token authentication of API calls: `Authorization: Bearer <token>`; a session cookie is never enough.

The caller acts as the token's owner with the owner's current role; a read-scoped token may only read (GET)."""

from __future__ import annotations

from flask import g, jsonify, request

from portal.accounts import tokens as api_tokens
from portal.db import User

PUBLIC_ENDPOINTS = {"api.openapi"}
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


class Unauthorized(Exception):
    """No valid token; answered 401 with a WWW-Authenticate header."""


class OutOfScope(Exception):
    """The token is valid but its scope does not allow this call; answered 403."""


def authenticate() -> None:
    """before_request of the API blueprint: set g.api_user and g.api_scope from the bearer token."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    row = api_tokens.live(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if row is None:
        raise Unauthorized("A valid API token is required: send 'Authorization: Bearer <token>'.")
    g.api_user, g.api_scope = row.user, row.scope
    if row.scope != "full" and request.method not in READ_METHODS:
        raise OutOfScope("This token is read-only; use a token with the full scope for this call.")


def current() -> User:
    return g.api_user


def scope() -> str:
    return g.api_scope


def unauthorized(exc: Unauthorized):
    response = jsonify(error=str(exc), status=401)
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def out_of_scope(exc: OutOfScope):
    response = jsonify(error=str(exc), status=403)
    response.status_code = 403
    return response
