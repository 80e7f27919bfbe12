"""Duplicate a job: a new job of the owner's on the same stored inputs, audited, limited, refused without inputs."""

from __future__ import annotations

import pytest

from tests.portal.test_detection import job_id_of, submit
from tests.portal.test_generation import people, small_target  # noqa: F401  (fixtures)
from tests.portal.test_generation_inputs import approve, request


def _job(app, job_id):
    """(status, params, [(role, sha256, storage_key)], [review decisions], consent subject) of a job."""
    from portal.db import Job
    from portal.extensions import db
    from portal.generation.service import consent_of, reviews_of

    with app.app_context():
        job = db.session.get(Job, job_id)
        consent = consent_of(job)
        return (job.status, dict(job.params), [(a.role, a.sha256, a.storage_key) for a in job.artifacts],
                [r.decision for r in reviews_of(job)], consent.subject_name if consent else None)


def _events(app, job_id, action):
    from sqlalchemy import select

    from portal.db import AuditEvent
    from portal.extensions import db

    with app.app_context():
        return [e.details for e in db.session.execute(
            select(AuditEvent).where(AuditEvent.action == action, AuditEvent.object_type == "job",
                                     AuditEvent.object_id == job_id)).scalars()]


def _new_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_a_detection_is_duplicated_with_another_detector_on_the_same_file(app, member, face_video, browser, users):
    source = job_id_of(submit(member, face_video, frames=8, name="holiday.mp4"))
    form = member.get(f"/jobs/{source}/duplicate").get_data(as_text=True)
    assert "holiday.mp4" in form and 'selected value="sbi_mobilenet_v2"' in form and "Check it again" in form

    copy = _new_id(member.post(f"/jobs/{source}/duplicate", {"detector": "blend_consistency",
                                                              "ensemble": ["sbi_mobilenet_v2"], "frames": 12,
                                                              "aggregation": "mean"}, token_page="/detect"))
    assert copy != source
    status, params, files, _, _ = _job(app, copy)
    _, before, source_files, _, _ = _job(app, source)
    assert status in ("queued", "running", "succeeded")
    assert params["detectors"] == ["blend_consistency", "sbi_mobilenet_v2"] and params["frames"] == 12
    assert params["duplicate_of"] == source and before.get("duplicate_of") is None
    assert [f for f in files if f[0] == "input_video"] == [f for f in source_files if f[0] == "input_video"]
    assert _events(app, copy, "job.duplicate")[0]["source_job"] == source
    page = member.get(f"/jobs/{copy}").get_data(as_text=True)
    assert "A duplicate of" in page and f"job #{source}" in page

    _, email, password = users("member")  # nobody else may, and nobody else learns the job exists
    stranger = browser()
    stranger.login(email, password)
    assert stranger.get(f"/jobs/{source}/duplicate").status_code == 404
    assert stranger.post(f"/jobs/{source}/duplicate", {"detector": "sbi_mobilenet_v2"},
                         token_page="/detect").status_code == 404


def test_a_duplicate_is_refused_when_the_input_was_removed(app, member, face_video):
    job_id = job_id_of(submit(member, face_video, name="gone.mp4"))
    member.post(f"/jobs/{job_id}/cancel", token_page=f"/jobs/{job_id}")
    assert member.post(f"/jobs/{job_id}/files/delete", token_page=f"/jobs/{job_id}").status_code == 302
    page = member.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'id="job-duplicate" disabled' in page and "removed" in page
    form = member.get(f"/jobs/{job_id}/duplicate").get_data(as_text=True)
    assert "cannot be duplicated" in form and "gone.mp4 (removed on" in form and "duplicate-submit" not in form
    r = member.post(f"/jobs/{job_id}/duplicate", {"detector": "sbi_mobilenet_v2", "frames": 8, "aggregation": "mean"},
                    token_page="/detect")
    assert r.status_code == 400 and "no longer kept" in r.get_data(as_text=True)


def test_a_duplicate_counts_against_the_owners_cap(app, member, face_video):
    from portal.admin import settings
    from portal.admin.limits import LimitExceeded
    from portal.db import Job, User
    from portal.extensions import db
    from portal.jobs import service

    job_id = job_id_of(submit(member, face_video))
    with app.test_request_context():
        job = db.session.get(Job, job_id)
        owner = db.session.get(User, job.owner_id)
        waiting = db.session.query(Job).filter(Job.owner_id == owner.id, Job.status.in_(("queued", "pending_review")))
        settings.put("max_queued_per_user", max(1, waiting.count()))
        db.session.commit()
        try:
            with pytest.raises(LimitExceeded):
                service.duplicate(job, owner)
        finally:
            db.session.rollback()
            settings.put("max_queued_per_user", 20)
            db.session.commit()


def test_a_generation_copy_is_a_new_request_reviewed_again(app, people, small_target):  # noqa: F811
    member, supervisor = people["member"], people["supervisor"]
    source = request(people, small_target, "speech.mp4")
    approve(people, source)
    assert _job(app, source)[3] == ["approved"]
    page = member.get(f"/jobs/{source}").get_data(as_text=True)
    assert f'href="/jobs/{source}/duplicate"' in page
    confirm = member.get(f"/jobs/{source}/duplicate").get_data(as_text=True)
    assert "reviews it again" in confirm and "Person A" in confirm and "Consented demo for the lab seminar" in confirm

    copy = _new_id(member.post(f"/jobs/{source}/duplicate", {"purpose": "The same demo, for the spring seminar"},
                               token_page=f"/jobs/{source}/duplicate"))
    status, params, files, reviews, subject = _job(app, copy)
    _, before, source_files, _, _ = _job(app, source)
    assert status == "pending_review" and reviews == [] and subject == "Person A"  # no approval reused
    assert params["duplicate_of"] == source and params["swapper"] == before["swapper"]
    assert params["source_face_box"] == before["source_face_box"] and params["faces"] == before["faces"]
    assert params["purpose"] == "The same demo, for the spring seminar"  # the one thing a copy may change
    inputs = ("source_photo", "target_video")
    assert [f for f in files if f[0] in inputs] == [f for f in source_files if f[0] in inputs]
    assert _events(app, copy, "job.duplicate")[0] == {"source_job": source, "kind": "generation",
                                                       "review_needed": True}
    assert _events(app, copy, "generation.request")  # the request itself is audited as any other
    queue = supervisor.get("/review").get_data(as_text=True)
    assert f"#{copy}" in queue and f"copy of #{source}" in queue
    assert f"request #{source}" in supervisor.get(f"/review/{copy}").get_data(as_text=True)
    assert supervisor.get(f"/jobs/{source}/duplicate").status_code == 404  # only the owner duplicates


def test_a_generation_whose_swapper_cannot_run_now_is_not_duplicated(app, people, small_target):  # noqa: F811
    from portal.db import Job
    from portal.extensions import db

    member = people["member"]
    source = request(people, small_target, "speech.mp4")
    with app.app_context():
        job = db.session.get(Job, source)
        job.params = {**job.params, "swapper": "inswapper_128"}
        db.session.commit()
    r = member.post(f"/jobs/{source}/duplicate", {"purpose": "Consented demo for the lab seminar"},
                    token_page=f"/jobs/{source}/duplicate")
    assert r.status_code == 400 and "inswapper_128 is not available now" in r.get_data(as_text=True)

