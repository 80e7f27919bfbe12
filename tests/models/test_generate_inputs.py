"""Generation on every shape of target a person may upload: the swapped video keeps frames, duration and audio."""

from __future__ import annotations

import pytest

from models.pipelines.generate import SwapRequest, generate_video
from models.provenance import build_manifest
from models.swappers import get_swapper
from tests import media_variants as mv
from tests.conftest import SHARED_WEIGHTS
from tests.models.test_audio_sync import _public_clip, assert_h264_aac, assert_in_sync
from tests.videofactory import real_photo


@pytest.fixture(scope="module")
def finder():
    from models.faces import get_face_finder

    return get_face_finder("auto", SHARED_WEIGHTS if SHARED_WEIGHTS.is_dir() else None)


@pytest.fixture(scope="module")
def source_photo(tmp_path_factory):
    from PIL import Image

    path = tmp_path_factory.mktemp("src") / "source.png"
    Image.fromarray(real_photo("t1")[200:520, 380:640]).save(path)
    return path


def swap(source, target, out, finder):
    manifest = build_manifest(portal="test", job_id=5, requester="r@lab", approver="s@lab", swapper="classical")
    return generate_video(SwapRequest(source, target, out, 5, manifest, select="largest"), get_swapper("classical"),
                          finder)


@pytest.mark.parametrize("variant", mv.VARIANTS, ids=lambda v: v.name)
def test_generation_keeps_timing_and_audio(tmp_path, variant, source_photo, finder):
    target = mv.make(tmp_path / variant.name, mv.shorter(variant, 0.6), photo=real_photo("t1"))
    out = swap(source_photo, target, tmp_path / "out.mp4", finder)
    assert_h264_aac(out.out_path, with_audio=variant.acodec is not None)
    assert_in_sync(target, out.out_path)
    assert out.faces_swapped > 0  # faces found: a rotated video is seen upright


def test_generation_on_the_reported_public_clip(tmp_path, source_photo, finder):
    """The clip of the bug report: AAC 44.1 kHz stereo whose audio ends 7 ms before the video (it failed at 95%)."""
    target = _public_clip("real/videoretalking_face5.mp4")
    out = swap(source_photo, target, tmp_path / "out.mp4", finder)
    assert_h264_aac(out.out_path, with_audio=True)
    figures = assert_in_sync(target, out.out_path)
    assert out.frames == figures["frames"][0] and out.frames_with_faces >= 0.9 * out.frames
