"""Fixtures of the security tests: the portal fixtures, and a small world of rows owned by one member."""

import uuid

import pytest

from tests.portal.conftest import app, browser, users, worker  # noqa: F401  (fixtures)
from tests.security.backends import backend_fixture

backend = backend_fixture(redis_db=11)

ROLES = ("anonymous", "member", "supervisor", "admin")


def _artifact(storage, job, role, data: bytes, media_type: str, name: str):
    from portal.db import Artifact
    from portal.extensions import db

    key, size = storage.put_bytes(data)
    a = Artifact(job=job, role=role, sha256=key, size=size, media_type=media_type, original_name=name,
                 storage_key=key)
    db.session.add(a)
    return a


@pytest.fixture()
def world(app, users):
    """Member A's detection job (done, with files) and generation request, A's token; markers that must not leak."""
    from portal.accounts import tokens as api_tokens
    from portal.db import Consent, Job, User, utcnow
    from portal.extensions import db
    from portal.storage import Storage

    marker, gen_marker = f"LEAKD{uuid.uuid4().hex[:12]}", f"LEAKG{uuid.uuid4().hex[:12]}"
    owner_id, email, password = users("member")
    with app.app_context():
        owner = db.session.get(User, owner_id)
        storage = Storage(app.config["STORAGE_DIR"])
        det = Job(owner=owner, kind="detection", status="succeeded", params={"detector": "meso4_df"},
                  result={"verdict": "FAKE", "fake_probability": 0.9, "confidence": 0.9, "frames_scored": 1,
                          "frames_sampled": 1, "aggregation": "mean", "model": "meso4_df", "warnings": []},
                  progress=1.0, stage="done", attempts=1, started_at=utcnow(), finished_at=utcnow(),
                  queued_at=utcnow())
        gen = Job(owner=owner, kind="generation", status="pending_review", params={"swapper": "classical",
                  "faces": "all", "purpose": f"purpose {gen_marker}"}, stage="waiting for review")
        db.session.add_all([det, gen])
        files = [
            _artifact(storage, det, "input_video", b"\x00\x00\x00\x18ftypmp42" + marker.encode(), "video/mp4",
                      f'{marker}../../etc/passwd"\r\nX-Evil: 1<script>.mp4'),
            _artifact(storage, det, "report_json", ('{"marker": "%s"}' % marker).encode(), "application/json",
                      "report"),
            _artifact(storage, det, "thumbnail", b"\xff\xd8\xff\xe0" + marker.encode(), "image/jpeg", "frame 0"),
            _artifact(storage, gen, "source_photo", b"\x89PNG\r\n\x1a\n" + gen_marker.encode(), "image/png",
                      f"{gen_marker}.png"),
        ]
        db.session.flush()
        db.session.add(Consent(job_id=gen.id, subject_name=f"Subject {gen_marker}", attestation="I attest."))
        token = api_tokens.create(owner, "owner token")
        db.session.commit()
        from portal.db import ApiToken

        token_id = db.session.query(ApiToken).filter_by(prefix=token[:12]).one().id
        return {"marker": marker, "gen_marker": gen_marker, "owner": (owner_id, email, password),
                "detection": det.id, "generation": gen.id,
                "files": {a.role: a.id for a in files}, "token": token, "token_id": token_id}


@pytest.fixture()
def as_role(app, browser, users):
    """as_role(role) -> (browser, api token or None, user_id or None), signed in unless anonymous."""
    from portal.accounts import tokens as api_tokens
    from portal.db import User
    from portal.extensions import db

    def make(role: str):
        b = browser()
        if role == "anonymous":
            return b, None, None
        user_id, email, password = users(role)
        b.login(email, password)
        with app.app_context():
            token = api_tokens.create(db.session.get(User, user_id), "t")
            db.session.commit()
        return b, token, user_id

    return make
