"""Failures a person can act on: the reason on the job page, an audit event, and a button to run the job again."""

from __future__ import annotations

import pytest

from tests import media_variants as mv
from tests.portal.conftest import wait_for_job
from tests.portal.test_generation import people  # noqa: F401  (a fixture)
from tests.portal.test_generation_inputs import approve, request


def _set_params(app, job_id, **params):
    """Change a request's parameters as an administrator's fix would (e.g. weights installed later)."""
    from portal.db import Job
    from portal.extensions import db

    with app.app_context():
        job = db.session.get(Job, job_id)
        job.params = {**job.params, **params}
        db.session.commit()


def _row(app, job_id):
    from portal.db import Job
    from portal.extensions import db

    with app.app_context():
        job = db.session.get(Job, job_id)
        return job.status, job.attempts, job.error


def _events(app, job_id, prefix="job."):
    from sqlalchemy import select

    from portal.db import AuditEvent
    from portal.extensions import db

    with app.app_context():
        rows = db.session.execute(select(AuditEvent).where(AuditEvent.object_type == "job",
                                                           AuditEvent.object_id == job_id)
                                  .order_by(AuditEvent.id)).scalars()
        return [(e.action, e.details) for e in rows if e.action.startswith(prefix)]


@pytest.fixture()
def target(tmp_path):
    """A target of its own (a unique file in the store), so that removing it touches no other test."""
    import uuid

    from tests.videofactory import real_photo

    variant = mv.shorter(mv.BY_NAME["aac-44k-stereo"], 0.5)
    return mv.make(tmp_path / "target", variant, photo=real_photo("t1"), title=uuid.uuid4().hex)


def failed_generation(app, people, target):  # noqa: F811
    """An approved request that fails in the worker: the swapper it names has no weights."""
    job_id = request(people, target, "target.mp4")
    _set_params(app, job_id, swapper="inswapper_128")
    approve(people, job_id)
    status, error, _ = wait_for_job(app, job_id, timeout=300)
    assert status == "failed" and "inswapper" in error.lower(), (status, error)
    return job_id, error


def test_a_failed_generation_runs_again_with_its_approval(app, worker, people, browser, users, target):  # noqa: F811
    member, supervisor = people["member"], people["supervisor"]
    job_id, error = failed_generation(app, people, target)
    page = member.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Run again" in page and "inswapper" in page and "job-error" in page
    fails = _events(app, job_id, "job.fail")
    assert len(fails) == 1 and fails[0][1]["reason"] == error and fails[0][1]["attempt"] == 1
    assert str(app.config["STORAGE_DIR"]) not in error  # no path of the store in a reason a person reads

    _, email, password = users("member")
    stranger = browser()
    stranger.login(email, password)
    assert stranger.post(f"/jobs/{job_id}/rerun", token_page="/jobs").status_code == 404

    _set_params(app, job_id, swapper="classical")  # the fix (weights installed, or another swapper)
    assert member.post(f"/jobs/{job_id}/rerun", token_page=f"/jobs/{job_id}").status_code == 302
    status, error, result = wait_for_job(app, job_id, timeout=300)
    assert status == "succeeded", error
    assert _row(app, job_id)[1] == 2 and result["frames"] > 0
    assert [a for a, _ in _events(app, job_id)] == ["job.fail", "job.rerun"]
    assert len(_events(app, job_id, "generation.approve")) == 1  # no second review was needed

    again = member.post(f"/jobs/{job_id}/rerun", token_page=f"/jobs/{job_id}", follow_redirects=True)
    assert "only a failed or canceled job can run again" in again.get_data(as_text=True)
    assert "Run again" not in supervisor.get(f"/jobs/{job_id}").get_data(as_text=True)


def test_a_supervisor_may_run_a_failed_generation_again(app, worker, people, target):  # noqa: F811
    supervisor = people["supervisor"]
    job_id, _ = failed_generation(app, people, target)
    assert "Run again" in supervisor.get(f"/jobs/{job_id}").get_data(as_text=True)
    supervisor.post(f"/jobs/{job_id}/rerun", token_page=f"/jobs/{job_id}")
    status, _, _ = wait_for_job(app, job_id, timeout=300)  # the swapper still has no weights: it fails again
    assert status == "failed" and _row(app, job_id)[1] == 2
    rerun = _events(app, job_id, "job.rerun")
    assert len(rerun) == 1 and rerun[0][1]["previous_status"] == "failed"
    assert len(_events(app, job_id, "job.fail")) == 2


def test_rerun_needs_a_new_review_when_the_approval_no_longer_holds(app, worker, people, users, browser,
                                                                    target):  # noqa: F811
    from portal.db import User
    from portal.extensions import db

    member, supervisor = people["member"], people["supervisor"]
    job_id, _ = failed_generation(app, people, target)
    with app.app_context():
        approver = db.session.execute(db.select(User).where(User.email == supervisor.email)).scalar_one()
        approver_id, approver.role = approver.id, "member"
        db.session.commit()
    try:
        member.post(f"/jobs/{job_id}/rerun", token_page=f"/jobs/{job_id}")
        assert _row(app, job_id)[0] == "pending_review"
        assert _events(app, job_id, "job.rerun")[-1][1]["review_needed"] is True
        _, email, password = users("supervisor")
        other = browser()
        other.login(email, password)
        assert f"#{job_id}" in other.get("/review").get_data(as_text=True)
    finally:
        with app.app_context():
            db.session.get(User, approver_id).role = "supervisor"
            db.session.commit()


def test_rerun_is_refused_when_the_inputs_are_gone(app, worker, people, target):  # noqa: F811
    from portal.db import Job
    from portal.extensions import db
    from portal.storage import Storage

    member = people["member"]
    job_id, _ = failed_generation(app, people, target)
    with app.app_context():
        key = db.session.get(Job, job_id).artifact("target_video").storage_key
        Storage(app.config["STORAGE_DIR"]).path(key).unlink()
    page = member.post(f"/jobs/{job_id}/rerun", token_page=f"/jobs/{job_id}", follow_redirects=True)
    assert "is no longer kept" in page.get_data(as_text=True) and _row(app, job_id)[0] == "failed"
