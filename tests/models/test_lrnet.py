"""LRNet: upstream weights on upstream's labelled landmark samples, the calibrator, and a video end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.errors import NoFaceError, WeightsMismatch

# Upstream's demo (deeper weights): fake 0.92 and 1.00, real 0.08 and 0.12 (share of fake 30-frame blocks).
DEEPER = {"dfo_fake": 11 / 12, "ff_fake": 1.0, "dfo_real": 1 / 12, "ff_real": 3 / 25}


def _sample(weights: Path, name: str) -> np.ndarray:
    return np.loadtxt(weights / "lrnet" / "samples" / f"{name}.txt", dtype=np.float32)


@pytest.fixture(scope="module")
def deeper(shared_weights):
    from models.lrnet.detector import LRNetDetector

    return LRNetDetector("deeper", shared_weights)


@pytest.mark.parametrize("name", sorted(DEEPER))
def test_deeper_weights_reproduce_upstream(deeper, shared_weights, name):
    score, blocks = deeper.score_sequence(_sample(shared_weights, name))
    assert score == pytest.approx(DEEPER[name], abs=1e-6)
    assert ((score >= 0.5) == name.endswith("fake")) and blocks.min() >= 0 and blocks.max() <= 1


def test_ff_weights_separate_their_own_dataset(shared_weights):
    from models.lrnet.detector import LRNetDetector

    ff = LRNetDetector("ff", shared_weights)
    scores = {n: ff.score_sequence(_sample(shared_weights, n))[0] for n in DEEPER}
    assert scores["ff_fake"] >= 0.5 > scores["ff_real"]
    assert scores["dfo_fake"] > scores["dfo_real"]  # other dataset: ranked right, the threshold is not upstream's


def test_stream_refuses_another_layout(tmp_path, shared_weights):
    import torch

    from models.lrnet.network import load_stream

    state = torch.load(shared_weights / "lrnet" / "deeper" / "g1.pth", map_location="cpu", weights_only=True)
    state["dense.3.weight"] = torch.zeros(3, 64)
    torch.save(state, tmp_path / "bad.pth")
    with pytest.raises(WeightsMismatch, match="not an LRNet stream"):
        load_stream(tmp_path / "bad.pth")


def test_kalman_merge_matches_upstream_arithmetic():
    from models.lrnet.landmarks import merge

    d0, d1 = np.array([[10, 10], [20, 20]]), np.array([[12, 10], [25, 20]])
    tracked, feedback = np.array([[11, 10], [21, 20]]), np.array([[10, 10], [30, 30]])
    merged, p = merge((d0, d1), (d0, tracked), feedback, np.zeros(2), np.array([True, True]))
    # point 0: P = 0.3, P_detect = 2 / 1, K = 0.3 / 2.3, 11 + K * (12 - 11) truncated to 11; point 1 fails feedback
    assert merged.tolist() == [[11, 10], [25, 20]]
    assert p == pytest.approx([(1 - 0.3 / 2.3) * 0.3, 0.0])


def test_calibration_removes_detection_jitter():
    import cv2

    from models.lrnet.landmarks import calibrate, normalise
    from tests.videofactory import real_photo

    image = cv2.resize(real_photo("t1")[230:430, 30:230], (400, 400))
    rng = np.random.default_rng(0)
    truth = np.stack(np.meshgrid(np.linspace(80, 320, 17), np.linspace(80, 320, 4)), -1).reshape(-1, 2)
    crops, points = [], []
    for t in range(20):  # the face drifts 1 px a frame; the detector jitters by about 2.5 px
        crops.append(cv2.warpAffine(image, np.float32([[1, 0, t], [0, 1, 0]]), (400, 400),
                                    borderMode=cv2.BORDER_REFLECT))
        points.append(np.rint(truth + [t, 0] + rng.normal(0, 2.5, truth.shape)).astype(int))
    track = calibrate(crops, points)
    raw_jitter = np.abs(np.diff(np.stack(points), axis=0) - [1, 0]).mean()
    assert np.abs(np.diff(track, axis=0) - [1, 0]).mean() < 0.4 * raw_jitter
    assert normalise(track).shape == (20, 136) and np.abs(normalise(track)).max() <= 1


@pytest.fixture(scope="module")
def lrnet_parts(shared_weights):
    from models.faces import get_face_finder
    from models.landmarks.dlib68 import Dlib68

    return get_face_finder("scrfd", shared_weights), Dlib68()


def test_detect_video_end_to_end(deeper, lrnet_parts, tmp_path):
    from tests.videofactory import face_video, real_photo

    path = face_video(tmp_path / "one.mp4", seconds=4.0, fps=10, photo=real_photo("t1")[215:440, 0:400],
                      audio=False)
    seen = []
    result = deeper.detect_video(path, *lrnet_parts, on_progress=lambda s, f: seen.append(f))
    assert result.verdict in ("REAL", "FAKE") and result.model == "lrnet_deeper"
    assert len(result.frames) == 1 and result.frames[0].face_box is not None  # 40 frames: one 30-frame block
    assert result.fake_probability in (0.0, 1.0) and 0 <= result.frames[0].fake_probability <= 1
    assert result.thumbnails[0].shape == (96, 96, 3) and len(result.weights_sha256) == 64
    assert set(result.timings) == {"decode", "faces", "landmarks", "head"}
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_detect_video_without_face(deeper, lrnet_parts, blank_video):
    with pytest.raises(NoFaceError):
        deeper.detect_video(blank_video, *lrnet_parts)
