"""Bad uploads are refused with a sentence, never a 500; nothing is stored under the user's name."""

import io

from tests.portal.test_detection import submit


def _refused(response, words):
    text = response.get_data(as_text=True)
    assert response.status_code == 400, text[:300]
    assert words in text, text[:2000]


def test_empty_file(member, tmp_path):
    (tmp_path / "empty.mp4").write_bytes(b"")
    _refused(submit(member, tmp_path / "empty.mp4"), "The file is empty")


def test_text_renamed_mp4(member, tmp_path):
    (tmp_path / "notes.mp4").write_text("these are my notes, not a video\n" * 50)
    _refused(submit(member, tmp_path / "notes.mp4"), "not a video")


def test_truncated_video(member, media_dir, face_video):
    from tests.videofactory import truncated_copy

    path = truncated_copy(face_video, media_dir / "cut.mp4", keep=0.3)
    response = submit(member, path)
    assert response.status_code in (302, 400)  # refused at upload, or accepted and judged by the worker
    if response.status_code == 400:
        assert "video" in response.get_data(as_text=True).lower()


def test_audio_only(member, media_dir):
    from tests.videofactory import audio_only

    _refused(submit(member, audio_only(media_dir / "tone.mp4")), "no video stream")


def test_huge_resolution(member, media_dir):
    import numpy as np

    from tests.videofactory import write_video

    path = write_video(media_dir / "huge.mp4", [np.zeros((1200, 2400, 3), np.uint8)] * 2, fps=2)
    _refused(submit(member, path), "2400x1200")


def test_over_the_size_limit_answers_413(app, member, face_video):
    old = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    try:
        with open(face_video, "rb") as fh:
            response = member.client.post("/detect", data={"video": (io.BytesIO(fh.read()), "big.mp4")},
                                          content_type="multipart/form-data")
        assert response.status_code == 413 and "upload limit" in response.get_data(as_text=True)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = old


def test_path_characters_in_the_name_never_reach_the_disk(app, member, face_video, backend):
    from pathlib import Path

    response = submit(member, face_video, name="../../etc/passwd.mp4")
    assert response.status_code == 302
    root = Path(backend["STORAGE_DIR"])
    stored = [p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "tmp"]
    assert stored and all(len(p.name) == 64 and p.parent.parent.parent == root for p in stored)
    assert not any("passwd" in p.name for p in root.rglob("*"))
