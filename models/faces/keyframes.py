"""Faces of a video's consecutive frames, searched on keyframes only: every EVERY-th frame is searched, and the
faces of the frames between two keyframes are interpolated from the keyframes' faces when both show the same faces
having moved little (and no shot cut lies between). Otherwise the frame halfway between is searched too, and each
half is settled the same way, down to consecutive frames; so a face that moves fast, comes in or leaves is searched
on as many frames as it needs, and a still one on one frame in EVERY.

Over a few frames a face moves almost linearly. On 150 consecutive frames of real public-dev clips (SCRFD):
ffpp_youtube_c40_183 (720p) and latentsync_demo1_video (1080x1920) are searched on 39 frames, a quarter of the CPU;
the interpolated landmarks lie a median 0.3% and 0.9% of the face's size from those a search of the frame finds
(95th percentile 1.4% and 2.2%), and the 68 dlib landmarks the classical swapper fits in an interpolated box move
as much as in a searched box shifted by up to half a pixel (a mean 0.16-0.29% of the face's size either way).
facenetpytorch_examples_video (seven faces of 40-130 px, some at the score threshold) is searched on 98 of 105
frames; of its 632 faces the one found on a single frame (frame 91, score 0.51) is not.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from itertools import islice

import numpy as np

from models.smoothing import iou
from models.types import Face

Frame = tuple[float, np.ndarray]  # (time in seconds, RGB)
EVERY = 4  # frames from one keyframe to the next
MIN_IOU = 0.6  # the boxes of a face on two keyframes overlap at least this much to be interpolated between
MAX_MOVE = 0.15  # and none of its landmarks moved more than this share of the face's size
CUT = 20.0  # mean grey-level change of a frame's 32x32 thumbnail from the frame before that marks a shot cut
_THUMB = 32


def interpolated(a: Face, b: Face, weight: float) -> Face:
    """The face a `weight` (0..1) of the way from `a` to `b`."""
    box = tuple(float(u + weight * (v - u)) for u, v in zip(a.box, b.box))
    marks = None
    if a.landmarks is not None and b.landmarks is not None:
        marks = (a.landmarks + weight * (b.landmarks - a.landmarks)).astype(np.float32)
    return replace(a, box=box, score=min(a.score, b.score), landmarks=marks)


def _moved(a: Face, b: Face) -> float:
    """How far the face moved from a to b: its farthest landmark's (else box corner's) shift over its size."""
    size = max(a.box[2] - a.box[0], a.box[3] - a.box[1], 1.0)
    if a.landmarks is not None and b.landmarks is not None:
        return float(np.abs(b.landmarks - a.landmarks).max()) / size
    return float(np.abs(np.subtract(b.box, a.box)).max()) / size


def same_faces(first: list[Face], second: list[Face]) -> list[tuple[Face, Face]] | None:
    """The faces of two keyframes in pairs when they are the same faces having moved little, else None."""
    if len(first) != len(second):
        return None
    pairs, free = [], list(second)
    for face in first:
        match = max(free, key=lambda other: iou(face.box, other.box))
        if iou(face.box, match.box) < MIN_IOU or _moved(face, match) > MAX_MOVE:
            return None
        pairs.append((face, match))
        free.remove(match)
    return pairs


def thumbnail(rgb: np.ndarray) -> np.ndarray:
    """A 32x32 float32 summary of a frame's green channel (a few microseconds: every 8th pixel, then averaged)."""
    import cv2

    sparse = np.ascontiguousarray(rgb[::8, ::8, 1])
    return cv2.resize(sparse, (_THUMB, _THUMB), interpolation=cv2.INTER_AREA).astype(np.float32)


def cuts(frames: list[np.ndarray]) -> list[bool]:
    """For each frame after the first: whether a shot cut lies between it and the frame before."""
    thumbs = [thumbnail(rgb) for rgb in frames]
    return [float(np.abs(b - a).mean()) > CUT for a, b in zip(thumbs, thumbs[1:])]


class KeyframeFaces:
    """Finds the faces of a video's consecutive frames with any face finder, searching keyframes only where the
    faces move little. One per video: it keeps the last keyframe."""

    def __init__(self, finder, every: int = EVERY) -> None:
        self.finder, self.every = finder, every
        self.searched = 0  # frames searched, for tests and benchmarks

    def __call__(self, frames: Iterable[Frame]) -> Iterator[tuple[float, np.ndarray, list[Face]]]:
        """(time, frame, faces) for each (time, frame), in order, EVERY frames behind."""
        frames = iter(frames)
        key = list(islice(frames, 1))
        if not key:
            return
        found = self._search(key[0][1])
        yield key[0][0], key[0][1], found
        while run := list(islice(frames, self.every)):
            faces = self._run(key + run, found)
            yield from ((t, rgb, f) for (t, rgb), f in zip(run, faces))
            key, found = run[-1:], faces[-1]

    def _search(self, rgb: np.ndarray) -> list[Face]:
        self.searched += 1
        return self.finder.detect([rgb])[0]

    def _run(self, frames: list[Frame], first: list[Face]) -> list[list[Face]]:
        """Faces of frames[1:], frames[0] being the previous keyframe (whose faces are `first`)."""
        found: list[list[Face] | None] = [first] + [None] * (len(frames) - 2) + [self._search(frames[-1][1])]
        cut = [False] + cuts([rgb for _, rgb in frames])
        self._settle(frames, found, cut, 0, len(frames) - 1)
        return found[1:]

    def _settle(self, frames: list[Frame], found: list, cut: list[bool], a: int, b: int) -> None:
        """Fill found[a+1:b] from found[a] and found[b]: interpolated, else split at the frame halfway."""
        if b - a < 2:
            return
        pairs = None if any(cut[a + 1:b + 1]) else same_faces(found[a], found[b])
        if pairs is not None:
            ta, tb = frames[a][0], frames[b][0]
            for j in range(a + 1, b):
                weight = (frames[j][0] - ta) / (tb - ta) if tb > ta else (j - a) / (b - a)
                found[j] = [interpolated(fa, fb, weight) for fa, fb in pairs]
            return
        middle = (a + b) // 2
        found[middle] = self._search(frames[middle][1])
        self._settle(frames, found, cut, a, middle)
        self._settle(frames, found, cut, middle, b)
