"""Token authentication of API calls: `Authorization: Bearer <token>`; a session cookie is never enough."""

from __future__ import annotations

from flask import g, jsonify, request

from portal.accounts import tokens as api_tokens
from portal.db import User

PUBLIC_ENDPOINTS = {"api.openapi"}


class Unauthorized(Exception):
    """No valid token; answered 401 with a WWW-Authenticate header."""


def authenticate() -> None:
    """before_request of the API blueprint: set g.api_user from the bearer token, else raise Unauthorized."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = api_tokens.user_for(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if user is None:
        raise Unauthorized("A valid API token is required: send 'Authorization: Bearer <token>'.")
    g.api_user = user


def current() -> User:
    return g.api_user


def unauthorized(exc: Unauthorized):
    response = jsonify(error=str(exc), status=401)
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
