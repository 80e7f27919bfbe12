"""Members see only their own jobs and files: another member's ids answer 404."""

import pytest

from tests.portal.conftest import wait_for_job
from tests.portal.test_detection import job_id_of, submit


@pytest.fixture()
def owned_job(app, worker, browser, users, face_video):  # the shipped detector: no downloaded weights
    _, email, password = users("member")
    owner = browser()
    owner.login(email, password)
    job_id = job_id_of(submit(owner, face_video))
    wait_for_job(app, job_id)
    from portal.db import Job
    from portal.extensions import db

    with app.app_context():
        artifact_ids = [a.id for a in db.session.get(Job, job_id).artifacts]
    return job_id, artifact_ids


@pytest.mark.parametrize("role,allowed", [("member", False), ("supervisor", False), ("admin", True)])
def test_other_peoples_detection_jobs(owned_job, browser, users, role, allowed):
    job_id, artifact_ids = owned_job
    _, email, password = users(role)
    b = browser()
    b.login(email, password)
    expected = 200 if allowed else 404
    assert b.get(f"/jobs/{job_id}").status_code == expected
    assert b.get(f"/jobs/{job_id}/status.json").status_code == expected
    for artifact_id in artifact_ids:
        assert b.get(f"/files/{artifact_id}").status_code == expected
    if not allowed:
        assert b.post(f"/jobs/{job_id}/cancel", token_page="/jobs").status_code == 404
        assert f"#{job_id}" not in b.get("/jobs").get_data(as_text=True)


def test_unknown_ids_answer_404(browser, users):
    _, email, password = users("member")
    b = browser()
    b.login(email, password)
    assert b.get("/jobs/999999").status_code == 404
    assert b.get("/files/999999").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(owned_job, browser):
    job_id, artifact_ids = owned_job
    b = browser()
    for url in (f"/jobs/{job_id}", f"/files/{artifact_ids[0]}", "/detect", "/admin/users"):
        r = b.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"]
