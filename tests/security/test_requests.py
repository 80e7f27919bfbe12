"""Uploads and requests from the outside probe: one-time face choice, no orphan files, `flask storage gc`, MPEG-TS
recognised by its packets, every frame within the pixel limit, big photos refused from their header, the server's
body limit, and odd requests answered 4xx (never 500) with an Allow header on 405."""

import io
import os
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from werkzeug.datastructures import FileStorage

from tests.portal.helpers import Browser
from tests.security import badinputs


def _jpeg(rgb) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=92)
    return buf.getvalue()


def _stored_files(app) -> set[str]:
    root = Path(app.config["STORAGE_DIR"])
    return {p.name for p in root.glob("??/??/*")} if root.is_dir() else set()


def _swap_form(source: bytes, target: bytes) -> dict:
    return {"source": (io.BytesIO(source), "source.jpg"), "target": (io.BytesIO(target), "target.mp4"),
            "swapper": "classical", "faces": "largest", "purpose": "Consented demo for the lab seminar",
            "consent_subject": "Person A", "consent": "y"}


@pytest.fixture()
def member_browser(app, users):
    _, email, password = users("member")
    b = Browser(app.test_client())
    b.login(email, password)
    return b


def _jobs_of(app, browser_email=None) -> int:
    from sqlalchemy import func, select

    from portal.db import Job
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "generation"))


def test_a_replayed_face_choice_makes_no_second_job(app, member_browser, tmp_path):
    from tests.videofactory import face_video, real_photo

    target = face_video(tmp_path / "t.mp4", seconds=1.0, fps=5, size=(320, 180), audio=False).read_bytes()
    b = member_browser
    r = b.post("/generate", _swap_form(_jpeg(real_photo("t1")), target), token_page="/generate",
               content_type="multipart/form-data")
    assert r.status_code == 200 and "Which person" in r.get_data(as_text=True)
    saved = b.client.get_cookie("session").value
    before = _jobs_of(app)
    assert b.post("/generate/choose-face", {"face": "1"}, token_page="/jobs").status_code == 302
    assert _jobs_of(app) == before + 1
    for face in ("1", "2"):  # the old cookie still names the choice: it must be used up
        b.client.set_cookie("session", saved)
        r = b.post("/generate/choose-face", {"face": face}, token_page="/jobs")
        assert r.status_code == 302 and r.headers["Location"].endswith("/generate")
    assert _jobs_of(app) == before + 1


def test_a_refused_submission_leaves_no_file(app, member_browser, tmp_path):
    grey = np.full((300, 300, 3), 100 + uuid.uuid4().int % 100, np.uint8)  # no face; unique content
    target = badinputs.video(tmp_path / "v.mp4", size=(96, 64), frames=3 + uuid.uuid4().int % 20)
    before = _stored_files(app)
    r = member_browser.post("/generate", _swap_form(_jpeg(grey), target), token_page="/generate",
                            content_type="multipart/form-data")
    assert r.status_code == 400 and "No face" in r.get_data(as_text=True)  # the form again, with what was entered
    assert _stored_files(app) == before


def test_storage_gc_lists_then_removes_only_unreferenced_files(app, world):
    from portal.storage import Storage

    storage = Storage(app.config["STORAGE_DIR"])
    orphan, _ = storage.put_bytes(f"orphan {uuid.uuid4()}".encode())
    old = time.time() - 3 * 86400
    os.utime(storage.path(orphan), (old, old))
    kept = [p for p in Path(app.config["STORAGE_DIR"]).glob("??/??/*")]
    for path in kept:  # every referenced file is old too: only the reference keeps it
        os.utime(path, (old, old))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["storage", "gc"])
    assert dry.exit_code == 0 and orphan[:2] in dry.output and "dry run" in dry.output
    assert storage.path(orphan).exists()
    done = runner.invoke(args=["storage", "gc", "--delete"])
    assert done.exit_code == 0 and not storage.path(orphan).exists()
    from portal.db import Artifact
    from portal.extensions import db

    with app.app_context():
        for a in db.session.query(Artifact).filter(Artifact.job_id == world["detection"]):
            assert storage.path(a.storage_key).exists()


def _accept_video(app, data: bytes, name="clip.ts"):
    from portal.jobs.uploads import accept_video
    from portal.storage import Storage

    with app.test_request_context("/detect", method="POST"):
        return accept_video(FileStorage(io.BytesIO(data), name), Storage(app.config["STORAGE_DIR"]))


def _ts(path: Path, segments) -> bytes:
    """An MPEG-TS made of H.264 segments, each (width, height, frames); joined byte for byte like a live stream."""
    import av

    out = b""
    for i, (w, h, frames) in enumerate(segments):
        part = path.with_name(f"{path.stem}-{i}.ts")
        with av.open(str(part), "w", format="mpegts") as container:
            stream = container.add_stream("libx264", rate=10)
            stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
            for n in range(frames):
                frame = av.VideoFrame.from_ndarray(np.full((h, w, 3), 30 * n % 255, np.uint8), "rgb24")
                frame.pts = n + 10 * i
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        out += part.read_bytes()
    return out


def test_a_gif_is_not_taken_for_mpeg_ts(app, tmp_path):
    from portal.jobs.uploads import UploadError

    gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes(131)  # 144 bytes: the first is 0x47 ('G')
    with pytest.raises(UploadError, match="not a video"):
        _accept_video(app, gif, "x.ts")
    assert _accept_video(app, _ts(tmp_path / "ok.ts", [(320, 240, 5)])).media_type == "video/mp2t"


def test_every_frame_is_within_the_pixel_limit(app, tmp_path):
    from portal.jobs.uploads import UploadError

    switching = _ts(tmp_path / "switch.ts", [(320, 240, 5), (2560, 1440, 3)])  # limit here: 1920x1080
    with pytest.raises(UploadError, match="2560x1440"):
        _accept_video(app, switching)


def test_a_huge_photo_is_refused_from_its_header(app):
    from portal.jobs.uploads import UploadError, accept_image
    from portal.storage import Storage

    bomb = badinputs.png_bomb(6300)  # 39.7 million pixels in a few KB
    start = time.process_time()
    with app.test_request_context("/generate", method="POST"), pytest.raises(UploadError, match="6300x6300"):
        accept_image(FileStorage(io.BytesIO(bomb), "big.png"), Storage(app.config["STORAGE_DIR"]))
    assert time.process_time() - start < 1.0


def test_the_server_reads_no_body_above_the_upload_limit(app):
    from portal.cli.serve import waitress_options

    options = waitress_options(app)
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit <= options["max_request_body_size"] <= limit + (1 << 20)


def test_api_detection_with_an_ensemble_is_never_a_500(app, as_role, tmp_path):
    b, token, _ = as_role("member")
    video = badinputs.video(tmp_path / "e.mp4")
    for ensemble in ("meso4_df", "no-such-detector"):
        r = b.client.post("/api/v1/jobs/detection", headers={"Authorization": f"Bearer {token}"},
                          data={"video": (io.BytesIO(video), "e.mp4"), "detector": "no-such-detector",
                                "ensemble": ensemble}, content_type="multipart/form-data")
        assert r.status_code == 400 and r.is_json, (ensemble, r.status_code)


@pytest.mark.parametrize("query", ["_method=POST", "endpoint=x", "_external=1", "_anchor=a", "_scheme=ftp",
                                   "user=&action=user.&page=2&endpoint=x"])
def test_odd_audit_filters_are_ignored(as_role, query):
    b, _, _ = as_role("supervisor")
    assert b.get(f"/audit?{query}").status_code == 200


@pytest.mark.parametrize("method, url, allowed", [("GET", "/logout", {"POST"}), ("DELETE", "/login", {"GET", "POST"}),
                                                  ("PUT", "/api/v1/jobs", {"GET"})])
def test_405_says_what_is_allowed(as_role, method, url, allowed):
    b, _, _ = as_role("member")
    r = b.client.open(url, method=method)
    assert r.status_code == 405
    assert allowed <= {m.strip() for m in r.headers.get("Allow", "").split(",")}
