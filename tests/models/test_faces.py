"""Face finders on insightface's t1.jpg (six real people): count, order, landmarks; crops."""

from __future__ import annotations

import numpy as np
import pytest

from models.faces import FACE_FINDERS, face_finder_status, get_face_finder
from models.faces.crop import crop_face
from models.types import Face
from tests import videofactory as vf


@pytest.fixture(scope="module")
def t1() -> np.ndarray:
    return vf.real_photo("t1")


def _check_faces(faces: list[Face], width: int, height: int) -> None:
    areas = [f.area for f in faces]
    assert areas == sorted(areas, reverse=True)
    for face in faces:
        x1, y1, x2, y2 = face.box
        assert 0 <= x1 < x2 <= width + 2 and 0 <= y1 < y2 <= height + 2
        marks = face.landmarks
        assert marks.shape == (5, 2) and marks.dtype == np.float32
        assert np.all(
            (marks[:, 0] > x1)
            & (marks[:, 0] < x2)
            & (marks[:, 1] > y1)
            & (marks[:, 1] < y2)
        )
        # ArcFace order in image coordinates: image-left eye, image-right eye, nose, left and right mouth corners.
        assert marks[0, 0] < marks[1, 0] and marks[3, 0] < marks[4, 0]
        assert max(marks[0, 1], marks[1, 1]) < max(marks[3, 1], marks[4, 1])


def test_mtcnn_finds_the_six_faces_of_t1(t1):
    finder = get_face_finder("mtcnn")
    upscaled = np.repeat(
        np.repeat(t1, 2, axis=0), 2, axis=1
    )  # 2560 px: downscaled to 640 and mapped back
    small, large = finder.detect([t1, upscaled])
    assert len(small) == 6 and len(large) == 6
    _check_faces(small, t1.shape[1], t1.shape[0])
    _check_faces(large, upscaled.shape[1], upscaled.shape[0])
    np.testing.assert_allclose(np.array(large[0].box) / 2, small[0].box, atol=6)


@pytest.mark.parametrize("name", ["scrfd", "yunet"])
def test_onnx_finders_with_shared_weights(shared_weights, t1, name):
    finder = get_face_finder(name, shared_weights)
    faces, none = finder.detect([t1, np.full((240, 320, 3), 128, np.uint8)])
    assert len(faces) == 6 and none == []
    _check_faces(faces, t1.shape[1], t1.shape[0])


def test_finders_agree_on_where_the_faces_are(shared_weights, t1):
    """Every finder's six face centres lie within 20 px of the other finders' (t1's faces are ~110 px)."""
    centres = {}
    for name in FACE_FINDERS:
        faces = get_face_finder(name, shared_weights).detect([t1])[0]
        centres[name] = np.array(
            [((f.box[0] + f.box[2]) / 2, (f.box[1] + f.box[3]) / 2) for f in faces]
        )
    for name, points in centres.items():
        nearest = np.linalg.norm(points[:, None] - centres["mtcnn"][None], axis=-1).min(
            axis=1
        )
        assert nearest.max() < 20, name


def test_status_and_auto(shared_weights, tmp_path):
    assert face_finder_status(shared_weights) == {
        "scrfd": None,
        "yunet": None,
        "mtcnn": None,
    }
    empty = face_finder_status(tmp_path)
    # YuNet ships in models/builtin: an empty models folder still has it (and mtcnn, whose wheel holds its weights)
    assert "not installed" in empty["scrfd"] and empty["yunet"] is None and empty["mtcnn"] is None
    assert get_face_finder("auto", shared_weights).name == "scrfd"  # downloaded: the best recall on small faces
    assert get_face_finder("auto", tmp_path).name == "yunet"  # a fresh machine: the shipped finder
    with pytest.raises(Exception, match="cannot run"):
        get_face_finder("scrfd", tmp_path)


def test_crop_face_square_margin_and_padding():
    frame = np.zeros((100, 200, 3), np.uint8)
    frame[40:60, 90:110] = 255  # a 20x20 white "face"
    crop = crop_face(frame, (90, 40, 110, 60), margin=1.0, size=40)
    assert crop.shape == (40, 40, 3)
    assert (
        crop[10:30, 10:30].min() == 255 and crop[:8].max() == 0
    )  # box centred, margin around it
    edge = crop_face(
        frame, (0, 0, 40, 40), margin=0.5, size=60
    )  # runs off the top-left corner: black padding
    assert edge.shape == (60, 60, 3) and edge[:5, :5].max() == 0


def test_yunet_finds_the_faces_of_a_small_frame(t1):
    """A 160 px frame (a small or rotated phone video): YuNet misses faces under ~20 px unless the frame is enlarged
    first (at native size it finds 3 of the 6); found boxes come back in the small frame's coordinates."""
    import cv2

    from models.faces.yunet import YunetFinder

    scale = 160 / max(t1.shape[:2])
    small = cv2.resize(t1, (round(t1.shape[1] * scale), round(t1.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    faces = YunetFinder(None).detect([small])[0]
    assert len(faces) == 6
    assert all(0 <= f.box[0] < f.box[2] <= small.shape[1] + 2 and 0 <= f.box[1] < f.box[3] <= small.shape[0] + 2
               for f in faces)
    assert len(YunetFinder(None, min_side=0).detect([small])[0]) < 6
