"""The audit log's pages: browse and filter the events (supervisors and admins), export them as CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from datetime import datetime

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_login import current_user
from sqlalchemy import select

from portal import audit
from portal.accounts import users as accounts
from portal.authz import role_required
from portal.converters import escape_like, page_number
from portal.db import AuditEvent, User
from portal.extensions import db

bp = Blueprint("audit_log", __name__)
SUPERVISORS = ("supervisor", "admin")


AUDIT_FILTERS = ("user", "action", "since", "until")


def audit_query(args: Mapping[str, str]):
    """Audit events, newest first, filtered by user (an exact email, or part of a name or email), action (a prefix),
    since and until (YYYY-MM-DD, both days included): the pages, the CSV and the API all use this query."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if who := args.get("user", "").strip()[:100]:
        user = accounts.find(who)
        if user is not None:  # an exact email: that person only
            query = query.where(AuditEvent.actor_id == user.id)
        else:  # part of a name or an email: everyone who matches
            pattern = f"%{escape_like(who)}%"
            matching = select(User.id).where(User.email.ilike(pattern, escape="\\") |
                                             User.name.ilike(pattern, escape="\\"))
            query = query.where(AuditEvent.actor_id.in_(matching))
    if action := args.get("action", "").strip():
        query = query.where(AuditEvent.action.startswith(action[:50]))
    for name, op in (("since", "__ge__"), ("until", "__lt__")):
        if value := args.get(name, "").strip():
            try:
                day = datetime.strptime(value, "%Y-%m-%d")
            except ValueError:
                continue
            if name == "until":
                day = day.replace(hour=23, minute=59, second=59)
            query = query.where(getattr(AuditEvent.created_at, op)(day))
    return query


_USER_KEYS = {"requester_id": "requester", "user_id": "user", "target_user_id": "user", "owner_id": "owner"}


def readable_details(events) -> dict[int, list[tuple[str, str]]]:
    """Each event's details as (label, text) pairs a person reads: people by name, empty values left out."""
    ids = {v for e in events for k, v in (e.details or {}).items() if k in _USER_KEYS and isinstance(v, int)}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    out = {}
    for e in events:
        pairs = []
        for key, value in (e.details or {}).items():
            if value in (None, "", [], {}):
                continue
            if key in _USER_KEYS:
                pairs.append((_USER_KEYS[key], names.get(value, f"user #{value}")))
            elif key.endswith("sha256") and isinstance(value, str):
                pairs.append((key.replace("_", " "), value[:12] + "…"))
            elif isinstance(value, (dict, list)):
                pairs.append((key.replace("_", " "), json.dumps(value, ensure_ascii=False)[:200]))
            else:
                pairs.append((key.replace("_", " "), str(value)))
        out[e.id] = pairs
    return out


@bp.route("/audit")
@role_required(*SUPERVISORS)
def index():
    page = db.paginate(audit_query(request.args), page=page_number(request.args.get("page")), per_page=50,
                       error_out=False)
    actions = db.session.execute(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).scalars().all()
    filters = {k: request.args[k] for k in AUDIT_FILTERS if request.args.get(k)}  # never url_for's own arguments
    return render_template("admin/audit_log.html", page=page, actions=actions, args=request.args, filters=filters,
                           details=readable_details(page.items))


@bp.route("/audit.csv")
@role_required(*SUPERVISORS)
def csv_export():
    return csv_response(current_user, request.args)


def csv_response(actor, args: Mapping[str, str], **details) -> Response:
    """The filtered events as a streamed CSV attachment; the export itself is audited first (committed)."""
    query = audit_query(args)

    @stream_with_context
    def rows():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "time_utc", "actor", "action", "object", "object_id", "ip", "details", "hash"])
        for e in db.session.execute(query.execution_options(yield_per=500)).scalars():
            writer.writerow([_cell(v) for v in (e.id, e.created_at.isoformat(), e.actor.email if e.actor else "system",
                                                e.action, e.object_type, e.object_id or "", e.ip,
                                                json.dumps(e.details, sort_keys=True, ensure_ascii=False), e.hash)])
            yield out.getvalue()
            out.seek(0)
            out.truncate()
        yield out.getvalue()

    audit.record("audit.export", actor, None, filters=dict(args), **details)
    db.session.commit()
    return Response(rows(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-log.csv"})


def _cell(value) -> str:
    """A CSV cell; a leading = + - @ is escaped so a spreadsheet never runs it as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
