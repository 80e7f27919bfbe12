"""Generation end to end: source photo + target video -> swapped, labelled, watermarked mp4 with a manifest."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import ManyFacesError, MediaError, NoFaceError
from models.media import iter_frames, probe
from models.pipelines.generate import SwapRequest, generate_video
from models.provenance import build_manifest, extract_video, read_manifest
from models.swappers import get_swapper
from tests.conftest import SHARED_WEIGHTS
from tests.videofactory import real_photo

JOB_ID = 31337


@pytest.fixture(scope="module")
def finder():
    from models.faces import get_face_finder

    return get_face_finder("auto", SHARED_WEIGHTS if SHARED_WEIGHTS.is_dir() else None)


@pytest.fixture(scope="module")
def swapper():
    return get_swapper("classical")


@pytest.fixture(scope="module")
def source_photo(tmp_path_factory):
    from PIL import Image

    path = tmp_path_factory.mktemp("src") / "source.png"
    Image.fromarray(real_photo("t1")[200:520, 380:640]).save(path)
    return path


def manifest():
    return build_manifest(portal="test", job_id=JOB_ID, requester="r@lab", approver="s@lab", swapper="classical")


def test_generates_a_labelled_watermarked_video(tmp_path, face_video, source_photo, swapper, finder):
    calls = []
    out = tmp_path / "out.mp4"
    m = manifest()
    result = generate_video(SwapRequest(source_photo, face_video, out, JOB_ID, m), swapper, finder,
                            on_progress=lambda s, f: calls.append((s, f)))
    info, src = probe(out), probe(face_video)
    assert result.frames == 20 and info.frames == 20
    assert abs(info.fps - src.fps) < 1e-6 and info.has_audio
    assert result.frames_with_faces >= 18 and result.faces_swapped >= 3 * result.frames_with_faces
    assert extract_video(out) == JOB_ID
    assert read_manifest(out) == m
    stages = [s for s, _ in calls]
    assert stages[0] == "analysing source" and stages[-1] == "encoding" and "swapping" in stages
    swapping = [f for s, f in calls if s == "swapping"]
    assert len(swapping) == 20 and swapping == sorted(swapping) and swapping[-1] == 1.0
    assert {"analysing source", "detecting", "swapping", "marking", "encoding"} <= set(result.timings)
    first = next(iter(iter_frames(out)))[2]
    orig = next(iter(iter_frames(face_video)))[2]
    assert np.abs(first.astype(int) - orig).mean() > 1.0  # faces replaced and the label drawn
    from PIL import Image

    Image.fromarray(np.concatenate([orig, first], 0)).save(tmp_path / "frame0.png")


def test_largest_only(tmp_path, face_video, source_photo, swapper, finder):
    result = generate_video(SwapRequest(source_photo, face_video, tmp_path / "o.mp4", 1, manifest(), select="largest"),
                            swapper, finder)
    assert result.faces_swapped == result.frames_with_faces


def test_target_without_faces_still_produces_a_video(tmp_path, blank_video, source_photo, swapper, finder):
    result = generate_video(SwapRequest(source_photo, blank_video, tmp_path / "o.mp4", 7, manifest()), swapper, finder)
    assert result.faces_swapped == 0 and result.frames == probe(blank_video).frames
    assert extract_video(tmp_path / "o.mp4") == 7


def test_source_errors(tmp_path, face_video, swapper, finder):
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((200, 200, 3), 90, np.uint8)).save(blank)
    with pytest.raises(NoFaceError):
        generate_video(SwapRequest(blank, face_video, tmp_path / "a.mp4", 1, {}), swapper, finder)
    group = tmp_path / "group.png"
    Image.fromarray(real_photo("t1")).save(group)
    with pytest.raises(ManyFacesError, match=r"shows \d+ faces; choose"):
        generate_video(SwapRequest(group, face_video, tmp_path / "b.mp4", 1, {}), swapper, finder)
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image at all")
    with pytest.raises(MediaError):
        generate_video(SwapRequest(junk, face_video, tmp_path / "c.mp4", 1, {}), swapper, finder)
    assert not (tmp_path / "a.mp4").exists() and not (tmp_path / "b.mp4").exists()


def test_chosen_source_face_and_unreadable_target(tmp_path, face_video, swapper, finder):
    from PIL import Image

    group = tmp_path / "group.png"
    Image.fromarray(real_photo("t1")).save(group)
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00" * 1000)
    with pytest.raises(MediaError):
        generate_video(SwapRequest(group, junk, tmp_path / "x.mp4", 1, {}, source_face_index=0), swapper, finder)
