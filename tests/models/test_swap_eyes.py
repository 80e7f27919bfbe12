"""The classical swap's eyes follow the target's blinks: a real photo (scikit-image's astronaut, a frontal face with
open eyes) and the same photo with its upper lids warped down onto the lower ones, each swapped with t1.jpg's man."""

from __future__ import annotations

import numpy as np
import pytest

from models.landmarks import Dlib68, eye_opening, five_from_68, with_forehead
from models.swappers import get_swapper
from models.types import Face
from tests.models.test_landmarks import hog_faces
from tests.videofactory import real_photo

_UPPER_LIDS, _LOWER_LIDS = [37, 38, 43, 44], [41, 40, 47, 46]


def shut_eyes(rgb: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(photo, its 68 landmarks) with both upper lids warped down onto the lower ones (the open face's
    triangles, so nothing folds)."""
    from models.swappers.warp import piecewise_affine, triangles

    src = with_forehead(points)
    dst = src.copy()
    dst[_UPPER_LIDS] = src[_LOWER_LIDS]
    warped, covered = piecewise_affine(rgb, src, dst, triangles(src), rgb.shape[:2])
    return np.where(covered[..., None], warped, rgb), dst[:68]


@pytest.fixture(scope="module")
def blink():
    """(open photo, shut photo, the target face, the swapper, the source identity)."""
    from skimage.data import astronaut

    lm = Dlib68()
    photo = astronaut()
    box = hog_faces(photo)[0].box
    points = lm.landmarks(photo, box)
    shut, _ = shut_eyes(photo, points)
    source = real_photo("t1")[200:520, 380:640].copy()  # the man at (450..557, 295..402) with some context
    source_box = hog_faces(source)[0].box
    swapper = get_swapper("classical")
    identity = swapper.prepare(source, Face(source_box, 1.0, five_from_68(lm.landmarks(source, source_box))))
    return photo, shut, Face(box, 1.0, five_from_68(points)), swapper, identity


def test_eye_opening():
    eye = np.array([(0, 0), (10, -3), (20, -3), (30, 0), (20, 3), (10, 3)], np.float32)
    points = np.zeros((68, 2), np.float32)
    points[36:42], points[42:48] = eye, eye + (50, 0)
    assert abs(eye_opening(points) - 0.2) < 1e-6
    points[[37, 38, 43, 44], 1] = 3  # upper lids on the lower ones
    assert eye_opening(points) == 0


def test_a_shut_target_shuts_the_destination_and_an_open_one_leaves_the_mix(blink):
    from models.swappers.classical import _SHAPE_POINTS, _destination

    photo, _, face, swapper, identity = blink
    points = swapper.landmarker.landmarks(photo, face.box)
    _, shut = shut_eyes(photo, points)
    opened = _destination(with_forehead(points), identity.landmarks, 0.5, _SHAPE_POINTS)
    closed = _destination(with_forehead(shut), identity.landmarks, 0.5, _SHAPE_POINTS)
    assert eye_opening(opened) > 0.2  # an open target: the eyes' half-way mix toward the source, as it was
    assert eye_opening(closed) < 0.05  # the source's own open lids no longer hold the eye half open
    assert np.allclose(closed[17:36], opened[17:36], atol=1.0)  # brows and nose: the same identity mix


def test_the_swap_blinks_with_the_target(blink):
    from models.swappers.blend import eye_interiors

    photo, shut, face, swapper, identity = blink
    lm = Dlib68()
    assert eye_opening(lm.landmarks(shut, face.box)) < 0.6 * eye_opening(lm.landmarks(photo, face.box))
    opened, closed = swapper.swap(photo, face, identity), swapper.swap(shut, face, identity)
    assert eye_opening(lm.landmarks(closed, face.box)) < 0.75 * eye_opening(lm.landmarks(opened, face.box))
    lids = eye_interiors(lm.landmarks(shut, face.box), shut.shape[:2]) > 0
    assert np.abs(closed[lids].astype(int) - shut[lids]).mean() < 8  # the target's own lashes, not a smudge
    x1, y1, x2, y2 = (int(v) for v in face.box)
    cheeks = (slice(y1 + (y2 - y1) // 2, y1 + 2 * (y2 - y1) // 3), slice(x1 + (x2 - x1) // 5, x2 - (x2 - x1) // 5))
    assert np.abs(closed[cheeks].astype(int) - shut[cheeks]).mean() > 8  # the source's face around them
