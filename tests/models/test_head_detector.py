"""A head the lab trains (`flask detector train`) run as a detector: detect_sequence on videos the tests make."""

from __future__ import annotations

import pytest

from models.errors import NoFaceError
from models.pipelines.detect import detect_sequence

FRAMES = 8


@pytest.fixture(scope="module")
def finder():
    from models.faces import get_face_finder

    return get_face_finder("yunet")  # shipped: no models folder needed


def _head(tmp_path, preset: str):
    from models.backbones import load_backbone
    from models.detectors.head import HeadDetector
    from models.heads import build_head, head_config

    backbone = load_backbone("small_cnn", tmp_path, allow_random=True)
    path = tmp_path / f"{preset}.keras"
    build_head(head_config(preset, frames=FRAMES, dim=backbone.dim, backbone="small_cnn")).save(path)
    return HeadDetector(path, backbone, name=f"tiny_{preset}", weights_sha256="0" * 64, frames=FRAMES)


def test_a_sequence_head_gives_one_score_for_the_clip(face_video, finder, tmp_path):
    stages = []
    result = detect_sequence(face_video, _head(tmp_path, "densenet169_gru"), finder,
                             on_progress=lambda stage, f: stages.append(stage))
    assert result.verdict == ("FAKE" if result.fake_probability >= 0.5 else "REAL")
    assert result.model == "tiny_densenet169_gru" and result.aggregation == "head output"
    assert len(result.frames) == FRAMES and len(result.thumbnails) == FRAMES
    assert {f.fake_probability for f in result.frames} == {result.fake_probability}
    assert any("whole sequence" in w for w in result.warnings)
    assert stages == ["finding faces", "backbone features"]


def test_a_frame_head_scores_each_frame(face_video, finder, tmp_path):
    result = detect_sequence(face_video, _head(tmp_path, "inceptionv3_frames"), finder)
    assert len(result.frames) == FRAMES and not result.warnings
    assert all(0.0 <= f.fake_probability <= 1.0 for f in result.frames)


def test_no_face_is_named(blank_video, finder, tmp_path):
    with pytest.raises(NoFaceError, match=f"any of the {FRAMES} sampled frames"):
        detect_sequence(blank_video, _head(tmp_path, "densenet169_gru"), finder)
