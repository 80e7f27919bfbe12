"""API endpoints for the audit export (supervisors and admins, the audit page's own query) and for making a
narrower token from a token."""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.datastructures import MultiDict

from portal import audit
from portal.accounts import tokens as api_tokens
from portal.admin.audit_log import AUDIT_FILTERS, audit_query, csv_response
from portal.api import auth
from portal.api.serialize import event_json, time
from portal.api.views import MAX_PAGE, MAX_PER_PAGE, bp, choice_arg, created, error, int_arg
from portal.authz import can_read_audit
from portal.db import ApiToken
from portal.extensions import db

EXPORT_FORMATS = ("json", "csv")


@bp.route("/audit")
def audit_export():
    """The audit log filtered like the audit page (user, action, since, until): JSON pages, or the whole CSV."""
    user = auth.current()
    if not can_read_audit(user):
        return error(403, "Only supervisors and admins read the audit log.")
    fmt = choice_arg("format", EXPORT_FORMATS, "json")
    filters = {k: request.args[k] for k in AUDIT_FILTERS if request.args.get(k)}
    if fmt == "csv":
        return csv_response(user, filters, via="api")
    page, per_page = int_arg("page", 1, 1, MAX_PAGE), int_arg("per_page", 100, 1, MAX_PER_PAGE)
    result = db.paginate(audit_query(filters), page=page, per_page=per_page, error_out=False)
    events = [event_json(e) for e in result.items]
    audit.record("audit.export", user, None, filters=filters, via="api", format="json", page=page)
    db.session.commit()
    return jsonify(events=events, page=page, per_page=per_page, total=result.total)


@bp.route("/tokens", methods=["POST"])
def make_token():
    """A new token of the caller, at most as wide as the calling token (a read-only token cannot reach here)."""
    user = auth.current()
    body = request.get_json(silent=True)
    fields = {k: "" if v is None else str(v) for k, v in body.items()} if isinstance(body, dict) else {}
    form = api_tokens.TokenForm(formdata=MultiDict(fields), meta={"csrf": False})  # the tokens page's own checks
    if not form.validate():
        return error(400, "The token request is not valid.", fields=form.errors)
    name, scope, days = form.name.data.strip(), form.scope.data, form.expires_days.data
    if len(api_tokens.live_tokens(user)) >= api_tokens.MAX_TOKENS:
        return error(429, f"You already have {api_tokens.MAX_TOKENS} tokens; revoke one first.")
    secret = api_tokens.create(user, name, days, scope)
    audit.record("api_token.create", user, user, name=name[:100], expires_days=days, scope=scope, via="api")
    db.session.commit()
    row = db.session.query(ApiToken).filter_by(token_hash=api_tokens.digest(secret)).one()
    response = created({"token": secret, "prefix": row.prefix, "name": row.name, "scope": row.scope,
                        "expires_at": time(row.expires_at)})
    response.headers["Cache-Control"] = "no-store"
    return response
