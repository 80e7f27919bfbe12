"""Generation jobs through the portal on real and made targets of every kind: the download keeps frames and audio."""

from __future__ import annotations

import io

import pytest

from tests import media_variants as mv
from tests.portal.conftest import wait_for_job
from tests.portal.test_generation import _job_id, jpeg, people  # noqa: F401  (people is a fixture)


def request(people, target, name):  # noqa: F811
    """The member asks for a swap onto target; returns the job id (waiting for review)."""
    from tests.videofactory import one_face_photo

    data = {"source": (io.BytesIO(jpeg(one_face_photo())), "source.jpg"),
            "target": (io.BytesIO(target.read_bytes()), name), "swapper": "classical", "faces": "largest",
            "purpose": "Consented demo for the lab seminar", "consent_subject": "Person A", "consent": "y"}
    return _job_id(people["member"].post("/generate", data, token_page="/generate",
                                         content_type="multipart/form-data"))


def approve(people, job_id):  # noqa: F811
    people["supervisor"].post(f"/review/{job_id}", {"decision": "approve", "reason": "consent on file"},
                              token_page=f"/review/{job_id}")


def request_and_approve(people, target, name):  # noqa: F811
    """The member asks for a swap onto target; a supervisor approves it; returns the job id."""
    job_id = request(people, target, name)
    approve(people, job_id)
    return job_id


def download_output(app, browser, job_id, path):
    from portal.db import Job
    from portal.extensions import db

    with app.app_context():
        video_id = db.session.get(Job, job_id).artifact("output_video").id
    r = browser.get(f"/files/{video_id}")
    assert r.status_code == 200 and r.headers["Content-Type"] == "video/mp4"
    path.write_bytes(r.data)
    return path


def check_job_output(app, people, target, tmp_path):  # noqa: F811
    from models.media import has_audio
    from tests.models.test_audio_sync import assert_h264_aac, assert_in_sync

    job_id = request_and_approve(people, target, target.name)
    status, error, _ = wait_for_job(app, job_id, timeout=300)
    assert status == "succeeded", error
    out = download_output(app, people["member"], job_id, tmp_path / "swapped.mp4")
    assert_h264_aac(out, with_audio=has_audio(target))
    return assert_in_sync(target, out)


@pytest.mark.parametrize("variant", mv.VARIANTS, ids=lambda v: v.name)
def test_generation_job_on_each_kind_of_target(app, worker, people, tmp_path, variant):  # noqa: F811
    from tests.videofactory import real_photo

    target = mv.make(tmp_path / f"target-{variant.name}", mv.shorter(variant, 0.5), photo=real_photo("t1"))
    check_job_output(app, people, target, tmp_path)


def test_generation_job_on_a_public_clip_with_audio(app, worker, people, tmp_path):  # noqa: F811
    from tests.models.test_audio_sync import _public_clip

    target = _public_clip("real/deeplipreading_example_demo.mp4")  # a speaker: MPEG-4 + AAC 16 kHz mono, 22 frames
    figures = check_job_output(app, people, target, tmp_path)
    assert figures["frames"] == (22, 22) and figures["corr"] > 0.9
