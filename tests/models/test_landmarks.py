"""dlib 68-point landmarks and the 128-D descriptor, on real photos shipped by insightface."""

from __future__ import annotations

import numpy as np
import pytest

from models.landmarks import Dlib68, dlib_model_path, five_from_68
from models.recognition import DlibDescriptor, distance
from models.types import Face
from tests.videofactory import real_photo


def hog_faces(img: np.ndarray) -> list[Face]:
    """Faces found by dlib's own HOG detector (independent of the project's face finders)."""
    import dlib

    rects = dlib.get_frontal_face_detector()(img, 1)
    faces = [Face((r.left(), r.top(), r.right(), r.bottom()), 1.0) for r in rects]
    return sorted(faces, key=lambda f: f.area, reverse=True)


@pytest.fixture(scope="module")
def t1():
    return real_photo("t1")


def test_model_files_found_by_path():
    for name in ("shape_predictor_68_face_landmarks.dat", "dlib_face_recognition_resnet_model_v1.dat"):
        assert dlib_model_path(name).stat().st_size > 1_000_000


def test_68_landmarks_lie_on_the_face(t1):
    faces = hog_faces(t1)
    assert len(faces) == 6
    lm = Dlib68()
    for face in faces:
        pts = lm.landmarks(t1, face.box)
        assert pts.shape == (68, 2) and pts.dtype == np.float32
        x1, y1, x2, y2 = face.box
        w = x2 - x1
        assert (pts[:, 0] > x1 - 0.3 * w).all() and (pts[:, 0] < x2 + 0.3 * w).all()
        five = five_from_68(pts)
        assert five[0, 0] < five[2, 0] < five[1, 0]  # left eye, nose, right eye from left to right
        assert five[3, 1] > five[2, 1] > five[0, 1]  # mouth below nose below eyes


def test_descriptor_separates_people(t1):
    import cv2

    faces = hog_faces(t1)
    d = DlibDescriptor()
    emb = [d.embed(t1, f) for f in faces]
    assert emb[0].shape == (128,)
    # the same people in a rescaled copy of the photo
    small = cv2.resize(t1, None, fx=0.8, fy=0.8, interpolation=cv2.INTER_AREA)
    same = [d.embed(small, Face(tuple(v * 0.8 for v in f.box), 1.0)) for f in faces]
    for i in range(len(faces)):
        assert distance(emb[i], same[i]) < 0.4
        others = [distance(emb[i], emb[j]) for j in range(len(faces)) if j != i]
        assert min(others) > 0.6
