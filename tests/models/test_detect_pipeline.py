"""detect_video end to end on videos the tests make, with real weights."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import Canceled, NoFaceError
from models.pipelines.detect import detect_video


@pytest.fixture(scope="module")
def meso4(shared_weights):
    from models.detectors import load_detector

    return load_detector("meso4_df", shared_weights)


@pytest.fixture(scope="module")
def finder(shared_weights):
    from models.faces import get_face_finder

    return get_face_finder("yunet", shared_weights)


def test_face_video_end_to_end(face_video, meso4, finder):
    calls: list[tuple[str, float]] = []
    result = detect_video(
        face_video,
        meso4,
        finder,
        n_frames=8,
        aggregation="confident",
        on_progress=lambda stage, f: calls.append((stage, f)),
    )
    assert result.verdict in ("REAL", "FAKE") and 0.0 <= result.fake_probability <= 1.0
    assert (result.verdict == "FAKE") == (result.fake_probability >= 0.5)
    assert result.model == "meso4_df" and result.weights_sha256 == meso4.weights_sha256
    assert result.aggregation == "confident" and result.video.frames == 20
    assert len(result.frames) == 8 and all(
        f.fake_probability is not None for f in result.frames
    )
    assert [f.index for f in result.frames] == sorted(f.index for f in result.frames)
    assert len(result.thumbnails) == 8 and result.thumbnails[0].shape == (96, 96, 3)
    assert set(result.timings) >= {"decode", "faces", "scoring", "total"}
    # t1.jpg: six real faces of about 50 px: each of the four largest people is scored, and the page says why
    # small faces are weak evidence
    assert len(result.people) == 4 and result.person in [p.track for p in result.people]
    assert result.fake_probability == max(p.fake_probability for p in result.people)
    assert any("small" in w for w in result.warnings) and any("6 faces" in w for w in result.warnings)
    stages = list(dict.fromkeys(s for s, _ in calls))
    assert stages == ["decoding", "finding faces", "scoring", "aggregating"]
    fractions = [f for _, f in calls]
    assert (
        fractions == sorted(fractions)
        and fractions[0] == 0.0
        and fractions[-1] == 1.0
        and len(calls) >= 12
    )


def test_mean_of_the_frames(face_video, meso4, finder):
    result = detect_video(face_video, meso4, finder, n_frames=4)
    scores = [f.fake_probability for f in result.frames]
    assert result.fake_probability == pytest.approx(float(np.mean(scores)))


def test_blank_video_has_no_face(blank_video, meso4, finder):
    with pytest.raises(
        NoFaceError, match="No face was found in any of the 6 sampled frames"
    ):
        detect_video(blank_video, meso4, finder, n_frames=6)


def test_few_faces_warns(media_dir, face_video, meso4, finder):
    from models.media import sample_frames
    from tests import videofactory as vf

    faces = [rgb for _, _, rgb in sample_frames(media_dir / "faces.mp4", 2)]
    blank = np.full_like(faces[0], 90)
    path = vf.write_video(media_dir / "mostly_blank.mp4", [faces[0]] + [blank] * 5)
    result = detect_video(path, meso4, finder, n_frames=6)
    assert [f.fake_probability is None for f in result.frames] == [False] + [True] * 5
    assert any("found in 1 of the 6" in w for w in result.warnings) and len(result.thumbnails) == 1


def test_cancel_propagates(face_video, meso4, finder):
    def cancel_when_finding_faces(stage: str, fraction: float) -> None:
        if stage == "finding faces":
            raise Canceled("Canceled by the user.")

    with pytest.raises(Canceled):
        detect_video(
            face_video, meso4, finder, n_frames=8, on_progress=cancel_when_finding_faces
        )


def test_with_the_offline_default_mtcnn(face_video, meso4):
    from models.faces import get_face_finder

    result = detect_video(face_video, meso4, get_face_finder("mtcnn"), n_frames=4)
    assert len(result.frames) == 4 and all(
        f.face_box is not None for f in result.frames
    )


class CountingFinder:
    """A face finder that counts its calls and frames."""

    def __init__(self, inner):
        self.inner, self.name, self.calls, self.frames = inner, inner.name, 0, 0

    def detect(self, frames):
        self.calls += 1
        self.frames += len(frames)
        return self.inner.detect(frames)


def test_an_ensemble_decodes_and_finds_faces_once(face_video, meso4, finder, monkeypatch):
    from models.detectors import load_detector
    from models.pipelines import detect

    decodes = []
    real_sample = detect.sample_frames
    monkeypatch.setattr(detect, "sample_frames", lambda *a, **k: decodes.append(1) or real_sample(*a, **k))
    counting = CountingFinder(finder)
    fp = detect.face_pass(face_video, counting, n_frames=8)
    results = [detect.score_pass(fp, d) for d in (meso4, load_detector("sbi_mobilenet_v2", None))]
    assert len(decodes) == 1 and counting.frames == 8  # each sampled frame searched once for both detectors
    assert [r.model for r in results] == ["meso4_df", "sbi_mobilenet_v2"]
    assert [f.index for f in results[0].frames] == [f.index for f in results[1].frames]


def test_two_people_each_get_a_verdict(media_dir, meso4, finder):
    from tests import videofactory as vf

    two = vf.real_photo("t1")[120:440, 0:430]  # the two leftmost people of t1.jpg (faces at x 52-170, 270-369)
    path = vf.face_video(media_dir / "two_people.mp4", seconds=1.0, photo=two, audio=False)
    result = detect_video(path, meso4, finder, n_frames=6)
    assert len(result.people) == 2 and {p.track for p in result.people} == {0, 1}
    assert all(p.frames == 6 and 0.0 <= p.fake_probability <= 1.0 for p in result.people)
    assert result.person == max(result.people, key=lambda p: p.fake_probability).track


def test_a_photo_gets_a_verdict_per_face(tmp_path, meso4, finder):
    from PIL import Image

    from tests import videofactory as vf

    path = tmp_path / "group.png"
    Image.fromarray(vf.real_photo("t1")).save(path)
    result = detect_video(path, meso4, finder)
    assert result.video.codec == "image" and len(result.frames) == 1
    assert len(result.people) == 4 and any("single photo" in w for w in result.warnings)
