"""Temporal smoothing of face boxes and landmarks, so a swap does not jitter from frame to frame.

Faces are tracked across frames by box overlap; each track runs a One-Euro filter (Casiez et al., CHI 2012)
over its box and 5 landmarks: strong smoothing when the face is still, little lag when it moves fast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Optional

import numpy as np

from models.types import Face


class OneEuro:
    """One-Euro filter over a vector; min_cutoff in Hz, beta scales the cutoff with speed (per face size)."""

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.5, d_cutoff: float = 1.0) -> None:
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self.x: Optional[np.ndarray] = None
        self.dx: Optional[np.ndarray] = None
        self.t: Optional[float] = None

    @staticmethod
    def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray | float:
        tau = 1.0 / (2 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / dt)

    def __call__(self, x: np.ndarray, t: float, scale: float = 1.0) -> np.ndarray:
        """Filtered value at time t; `scale` (face size) makes the speed term size-independent."""
        x = np.asarray(x, dtype=np.float64)
        if self.x is None or self.t is None or t <= self.t:
            self.x, self.dx, self.t = x, np.zeros_like(x), t
            return x
        dt = t - self.t
        dx = (x - self.x) / dt
        self.dx = self.dx + self._alpha(self.d_cutoff, dt) * (dx - self.dx)
        cutoff = self.min_cutoff + self.beta * np.abs(self.dx) / max(scale, 1e-6)
        self.x = self.x + self._alpha(cutoff, dt) * (x - self.x)
        self.t = t
        return self.x


def iou(a, b) -> float:
    """Intersection over union of two (x1, y1, x2, y2) boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@dataclass
class _Track:
    filter: OneEuro
    box: tuple
    last_t: float


class FaceSmoother:
    """Tracks faces across frames and returns them with smoothed boxes and landmarks."""

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.5, min_iou: float = 0.3, max_gap: float = 0.5) -> None:
        self.min_cutoff, self.beta, self.min_iou, self.max_gap = min_cutoff, beta, min_iou, max_gap
        self.tracks: list[_Track] = []

    def __call__(self, faces: list[Face], t: float) -> list[Face]:
        """The same faces, in the same order, smoothed by their track's filter."""
        self.tracks = [tr for tr in self.tracks if t - tr.last_t <= self.max_gap]
        free = list(self.tracks)
        out = []
        for face in faces:
            track = max(free, key=lambda tr: iou(tr.box, face.box), default=None)
            if track is None or iou(track.box, face.box) < self.min_iou:
                track = _Track(OneEuro(self.min_cutoff, self.beta), face.box, t)
                self.tracks.append(track)
            else:
                free.remove(track)
            out.append(self._smooth(track, face, t))
        return out

    def _smooth(self, track: _Track, face: Face, t: float) -> Face:
        has_lmk = face.landmarks is not None
        vec = np.concatenate([np.asarray(face.box, np.float64),
                              np.asarray(face.landmarks, np.float64).ravel() if has_lmk else np.zeros(0)])
        if track.filter.x is not None and track.filter.x.shape != vec.shape:
            track.filter = OneEuro(self.min_cutoff, self.beta)
        size = max(face.box[2] - face.box[0], face.box[3] - face.box[1], 1.0)
        s = track.filter(vec, t, scale=size / 100.0)
        track.box, track.last_t = face.box, t
        lmk = s[4:].reshape(-1, 2).astype(np.float32) if has_lmk else None
        return replace(face, box=tuple(float(v) for v in s[:4]), landmarks=lmk)
