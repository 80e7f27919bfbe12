"""Faces searched on keyframes and interpolated between: a still face costs one search in EVERY frames; a face that
jumps, comes in or leaves, and a shot cut, send the frames between to searches of their own."""

from __future__ import annotations

import numpy as np
import pytest

from models.faces.keyframes import EVERY, KeyframeFaces, interpolated, same_faces
from models.types import Face


def face_at(x: float, y: float = 40.0, side: float = 40.0) -> Face:
    marks = np.float32([[x + 12, y + 15], [x + 28, y + 15], [x + 20, y + 22], [x + 14, y + 30], [x + 26, y + 30]])
    return Face(box=(x, y, x + side, y + side), score=0.9, landmarks=marks)


class ScriptedFinder:
    """Answers each frame with the faces scripted for it (the frame's index is its top-left pixel)."""

    def __init__(self, faces_of) -> None:
        self.faces_of, self.searched = faces_of, []

    def detect(self, frames):
        indices = [int(rgb[0, 0, 0]) for rgb in frames]
        self.searched += indices
        return [self.faces_of(k) for k in indices]


def video(n: int, grey=lambda k: 100):
    """n frames (time k / 25 s): a flat picture of grey(k) whose top-left pixel holds the index."""
    frames = []
    for k in range(n):
        rgb = np.full((72, 128, 3), grey(k), np.uint8)
        rgb[0, 0] = k
        frames.append((k / 25, rgb))
    return frames


def run(finder, n: int, **kwargs):
    return [(t, faces) for t, _, faces in KeyframeFaces(finder)(video(n, **kwargs))]


def test_a_slowly_moving_face_is_searched_on_keyframes_and_interpolated_between():
    finder = ScriptedFinder(lambda k: [face_at(10 + k)])  # one pixel a frame: a tenth of its size per keyframe gap
    found = run(finder, 4 * EVERY + 1)
    assert finder.searched == list(range(0, 4 * EVERY + 1, EVERY))
    assert [t for t, _ in found] == [k / 25 for k in range(4 * EVERY + 1)]
    for k, (_, faces) in enumerate(found):
        assert len(faces) == 1
        np.testing.assert_allclose(faces[0].box, face_at(10 + k).box, atol=1e-4)
        np.testing.assert_allclose(faces[0].landmarks, face_at(10 + k).landmarks, atol=1e-4)


def test_the_last_frames_and_a_short_video():
    finder = ScriptedFinder(lambda k: [face_at(10)])
    assert len(run(finder, EVERY + 2)) == EVERY + 2
    assert finder.searched == [0, EVERY, EVERY + 1]
    assert run(ScriptedFinder(lambda k: []), 0) == []
    assert [len(faces) for _, faces in run(ScriptedFinder(lambda k: [face_at(10)]), 1)] == [1]


@pytest.mark.parametrize("jump", [30, 8])  # far (no overlap left), or overlapping but moved too far to interpolate
def test_a_face_that_jumps_is_searched_where_it_jumps(jump):
    def faces_of(k):
        return [face_at(10 if k < 6 else 10 + jump)]

    finder = ScriptedFinder(faces_of)
    found = run(finder, 2 * EVERY + 1)
    assert {5, 6} <= set(finder.searched)  # the frames either side of the jump
    for k, (_, faces) in enumerate(found):
        np.testing.assert_allclose(faces[0].box, faces_of(k)[0].box, atol=1e-4)


def test_a_face_that_comes_in_is_found_from_its_first_frame():
    finder = ScriptedFinder(lambda k: [face_at(10)] + ([face_at(70)] if k >= 3 else []))
    found = run(finder, EVERY + 1)
    assert [len(faces) for _, faces in found] == [1, 1, 1] + [2] * (EVERY - 2)


def test_a_shot_cut_sends_the_frames_around_it_to_a_search():
    """Two shots with a face in the same place: the faces alone would be interpolated across the cut."""
    finder = ScriptedFinder(lambda k: [face_at(10)])
    run(finder, EVERY + 1, grey=lambda k: 40 if k < 3 else 200)
    assert {2, 3} <= set(finder.searched)


def test_no_faces_costs_one_search_in_every():
    finder = ScriptedFinder(lambda k: [])
    assert all(faces == [] for _, faces in run(finder, 3 * EVERY + 1))
    assert len(finder.searched) == 4


def test_pairs_and_interpolation():
    a, b = face_at(10), face_at(14)
    assert same_faces([a], [b]) == [(a, b)]
    assert same_faces([a], []) is None and same_faces([a], [face_at(40)]) is None
    c, d = face_at(80), face_at(81)
    assert [(p is a and q is b) or (p is c and q is d) for p, q in same_faces([a, c], [d, b])] == [True, True]
    middle = interpolated(a, b, 0.25)
    np.testing.assert_allclose(middle.box, face_at(11).box)
    np.testing.assert_allclose(middle.landmarks, face_at(11).landmarks)
