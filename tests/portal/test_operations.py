"""Workers and queues page, pausing queues, retention and file removal: on SQLite and MySQL, with a real Redis."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest

ACCESS = [("admin", 200), ("supervisor", 200), ("member", 403)]


def _signed_in(browser, users, role):
    _, email, password = users(role)
    b = browser()
    b.login(email, password)
    return b


def _job(app, owner_id, kind="detection", status="succeeded", days_ago=3, files=(("input_video", b"in"),
                                                                                 ("report_json", b"{}"))):
    """A finished job with stored files (content-addressed); returns (job id, {role: key})."""
    from portal.db import Artifact, Job, utcnow
    from portal.extensions import db
    from portal.storage import Storage

    with app.app_context():
        storage = Storage(app.config["STORAGE_DIR"])
        ended = utcnow() - timedelta(days=days_ago)
        job = Job(owner_id=owner_id, kind=kind, status=status, params={}, created_at=ended, finished_at=ended)
        db.session.add(job)
        keys = {}
        for role, data in files:
            key, size = storage.put_bytes(data)
            keys[role] = key
            db.session.add(Artifact(job=job, role=role, sha256=key, size=size, media_type="application/json",
                                    original_name=f"{role}.bin", storage_key=key))
        db.session.commit()
        return job.id, keys


def _unique(tag: str) -> bytes:
    return f"{tag}-{uuid.uuid4().hex}".encode()


@pytest.mark.parametrize("role,code", ACCESS)
def test_workers_page_access(browser, users, role, code):
    assert _signed_in(browser, users, role).get("/admin/workers").status_code == code


def test_workers_page_shows_the_live_worker_and_its_device(app, browser, users, worker):
    from portal.queue import DEVICE_KEY, connection

    with app.app_context():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list(connection().scan_iter(DEVICE_KEY.format("*"))):
            time.sleep(1)
    admin = _signed_in(browser, users, "admin")
    html = admin.get("/admin/workers").get_data(as_text=True)
    assert "Live workers" in html
    assert "CPU" in html, "the worker's device (this machine has no GPU) is shown"
    assert "Pause" in html
    supervisor = _signed_in(browser, users, "supervisor").get("/admin/workers").get_data(as_text=True)
    assert "Pause" not in supervisor and "Resume" not in supervisor


def test_pause_and_resume_a_queue_stored_audited_mirrored(app, browser, users):
    from portal.admin import settings
    from portal.db import AuditEvent
    from portal.extensions import db
    from portal.queue import connection, paused_in

    admin = _signed_in(browser, users, "admin")
    assert admin.post("/admin/workers/queues/benchmark/pause").status_code == 302
    with app.app_context():
        assert settings.get("paused_queues") == ["benchmark"] and paused_in(connection()) == {"benchmark"}
        assert db.session.query(AuditEvent).filter_by(action="queue.pause").count() >= 1
    html = admin.get("/admin/workers").get_data(as_text=True)
    assert "paused" in html and "Resume" in html
    supervisor = _signed_in(browser, users, "supervisor")
    assert supervisor.post("/admin/workers/queues/benchmark/resume").status_code == 403
    assert admin.post("/admin/workers/queues/nosuch/pause").status_code == 302  # refused with a message
    assert admin.post("/admin/workers/queues/benchmark/resume").status_code == 302
    with app.app_context():
        assert settings.get("paused_queues") == [] and paused_in(connection()) == set()


def test_workers_honour_a_paused_queue(app):
    """PausableQueue (the worker's queue class) skips a paused queue and takes its jobs once it is resumed."""
    from rq import Queue

    from portal.queue import connection, mirror_paused
    from workers.worker import PausableQueue

    with app.app_context():
        conn = connection()
        name = f"ops-test-{uuid.uuid4().hex[:8]}"
        queue = Queue(name, connection=conn)
        queue.enqueue("builtins.len", "abc")
        try:
            mirror_paused([name], conn)
            assert PausableQueue.dequeue_any([queue], None, conn) is None
            mirror_paused([], conn)
            job, got = PausableQueue.dequeue_any([queue], None, conn)
            assert got.name == name and job.func_name == "builtins.len"
        finally:
            mirror_paused([], conn)
            queue.delete(delete_jobs=True)


def test_queue_status_command(app, users):
    from portal.db import Job
    from portal.extensions import db

    uid, email, _ = users("member")
    with app.app_context():
        db.session.add(Job(owner_id=uid, kind="detection", status="queued", params={}))
        db.session.commit()
    out = app.test_cli_runner().invoke(args=["queue", "status"])
    assert out.exit_code == 0, out.output
    assert "detection" in out.output and "live worker" in out.output and email in out.output
    assert app.test_cli_runner().invoke(args=["queue", "pause", "generation"]).output.strip() == "paused: generation"
    assert app.test_cli_runner().invoke(args=["queue", "resume", "generation"]).output.strip() == "paused: none"


def test_retention_purge_dry_run_then_delete(app, users):
    from portal.db import AuditEvent, Job
    from portal.extensions import db
    from portal.operations import retention
    from portal.storage import Storage

    uid, _, _ = users("member")
    shared = _unique("shared")
    old, keys = _job(app, uid, files=(("input_video", _unique("in")), ("report_json", shared)))
    young, young_keys = _job(app, uid, days_ago=0, files=(("report_json", shared),))  # same file, not due
    with app.app_context():
        retention.set_policy({"detection": {"inputs": 0, "outputs": 1}}, None)
        db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["storage", "purge"])
    assert f"would remove job {old} " in dry.output and f"job {young} " not in dry.output, dry.output
    storage = Storage(app.config["STORAGE_DIR"])
    assert storage.path(keys["report_json"]).is_file()
    done = runner.invoke(args=["storage", "purge", "--delete"])
    assert f"removed job {old} " in done.output, done.output
    with app.app_context():
        job = db.session.get(Job, old)
        report = job.artifact("report_json")
        assert report.removed_at and report.sha256 == keys["report_json"] and job.files_removed_at
        assert job.artifact("input_video").removed_at is None  # inputs are kept (0 days: until removed by hand)
        event = db.session.query(AuditEvent).filter_by(action="files.purge", object_id=old).one()
        assert event.details["files"][0]["sha256"] == keys["report_json"] and "retention" in event.details["reason"]
        retention.set_policy({}, None)
        db.session.commit()
    assert storage.path(keys["report_json"]).is_file(), "another job still needs the shared file"
    assert storage.path(keys["input_video"]).is_file()


def test_held_generation_is_skipped_and_owner_cannot_delete(app, browser, users):
    from portal.db import Job
    from portal.extensions import db
    from portal.operations import retention

    uid, email, password = users("member")
    gen, keys = _job(app, uid, kind="generation", files=(("output_video", _unique("out")),))
    supervisor = _signed_in(browser, users, "supervisor")
    assert supervisor.post(f"/jobs/{gen}/files/hold", {"reason": "inquiry"}).status_code == 302
    with app.app_context():
        assert db.session.get(Job, gen).files_hold
        retention.set_policy({"generation": {"inputs": 1, "outputs": 1}}, None)
        db.session.commit()
        assert gen not in [d.job_id for d in retention.due()]
    owner = browser()
    owner.login(email, password)
    owner.post(f"/jobs/{gen}/files/delete")
    with app.app_context():
        assert db.session.get(Job, gen).artifact("output_video").removed_at is None
        retention.set_policy({}, None)
        db.session.commit()
    member = _signed_in(browser, users, "member")
    assert member.post(f"/jobs/{gen}/files/hold").status_code == 403


def test_member_removes_own_job_files_and_keeps_the_record(app, browser, users):
    from portal.db import AuditEvent, Job
    from portal.extensions import db
    from portal.storage import Storage

    uid, email, password = users("member")
    job_id, keys = _job(app, uid, files=(("input_video", _unique("mine")),))
    other = _signed_in(browser, users, "member")
    assert other.post(f"/jobs/{job_id}/files/delete").status_code == 404
    owner = browser()
    owner.login(email, password)
    assert owner.post(f"/jobs/{job_id}/files/delete").status_code == 302
    assert not Storage(app.config["STORAGE_DIR"]).path(keys["input_video"]).exists()
    with app.app_context():
        job = db.session.get(Job, job_id)
        artifact = job.artifact("input_video")
        assert job.status == "succeeded" and artifact.removed_at and artifact.sha256 == keys["input_video"]
        assert db.session.query(AuditEvent).filter_by(action="files.delete", object_id=job_id).count() == 1
        artifact_id = artifact.id
    assert owner.get(f"/files/{artifact_id}").status_code == 410


def test_retention_settings_page(app, browser, users):
    from portal.operations import retention

    admin = _signed_in(browser, users, "admin")
    page = admin.get("/admin/retention")
    assert page.status_code == 200 and "detection-inputs" in page.get_data(as_text=True)
    assert admin.post("/admin/retention", {"detection-inputs": "30", "detection-outputs": "365"},
                      token_page="/admin/retention").status_code == 302
    with app.app_context():
        assert retention.policy()["detection"] == {"inputs": 30, "outputs": 365}
    assert admin.post("/admin/retention", {"detection-inputs": "-1"}, token_page="/admin/retention").status_code == 400
    assert _signed_in(browser, users, "supervisor").get("/admin/retention").status_code == 403
    admin.post("/admin/retention", {}, token_page="/admin/retention")
    with app.app_context():
        assert retention.policy()["detection"] == {"inputs": 0, "outputs": 0}


def test_status_polls_answer_304_while_nothing_changed(app, browser, users):
    uid, email, password = users("member")
    job_id, _ = _job(app, uid, files=(("input_video", _unique("poll")),))
    b = browser()
    b.login(email, password)
    first = b.get(f"/jobs/{job_id}/status.json")
    assert first.status_code == 200 and first.headers["ETag"]
    again = b.get(f"/jobs/{job_id}/status.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    other = _signed_in(browser, users, "member")
    assert other.get(f"/jobs/{job_id}/status.json", headers={"If-None-Match": first.headers["ETag"]}).status_code == 404
