"""The audit log: every request, decision, generation and download, hash-chained so tampering shows."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable, Optional

from flask import has_request_context, request
from sqlalchemy import select

from portal.db import AuditEvent, AuditHead, User, utcnow
from portal.extensions import db

GENESIS = "0" * 64


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    """sha256 over the previous hash and the event's canonical fields."""
    body = json.dumps(
        [prev_hash, event.created_at.isoformat(), event.actor_id, event.action, event.object_type,
         event.object_id, event.ip, event.details],
        sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _client_ip() -> str:
    return (request.remote_addr or "")[:45] if has_request_context() else ""


def _lock_head() -> AuditHead:
    """The chain head, row-locked (SELECT ... FOR UPDATE) until the caller commits."""
    head = db.session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS)
        db.session.add(head)
        db.session.flush()
    return head


def record(action: str, actor: Optional[User], obj: Any = None, **details: Any) -> AuditEvent:
    """Append an event to the session (the caller commits it with the change it describes)."""
    head = _lock_head()
    event = AuditEvent(
        created_at=utcnow(), actor_id=actor.id if actor is not None else None, action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=getattr(obj, "id", None), ip=_client_ip(), details=json.loads(json.dumps(details, default=str)),
        prev_hash=head.last_hash,
    )
    event.hash = event_hash(head.last_hash, event)
    head.last_hash = event.hash
    db.session.add(event)
    return event


def verify(events: Iterable[AuditEvent]) -> Optional[AuditEvent]:
    """The first event whose link or hash is broken, or None when the whole chain holds."""
    prev = GENESIS
    for event in events:
        if event.prev_hash != prev or event_hash(prev, event) != event.hash:
            return event
        prev = event.hash
    return None


def verify_all() -> Optional[AuditEvent]:
    """Verify the stored chain in id order, streaming rows."""
    rows = db.session.execute(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=500))
    return verify(rows.scalars())
