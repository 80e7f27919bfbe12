"""Face geometry kept apart from the models: downscaling for detection, ordering, square crops with a margin."""

from __future__ import annotations

import numpy as np

from models.types import Face

Box = tuple[float, float, float, float]


def sort_faces(faces: list[Face]) -> list[Face]:
    """Largest face first."""
    return sorted(faces, key=lambda f: f.area, reverse=True)


def downscale(frame: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """The frame with its longer side <= max_side, and the factor that maps its coordinates back."""
    import cv2

    h, w = frame.shape[:2]
    if max(h, w) <= max_side:
        return frame, 1.0
    scale = max_side / max(h, w)
    small = cv2.resize(
        frame,
        (max(1, round(w * scale)), max(1, round(h * scale))),
        interpolation=cv2.INTER_AREA,
    )
    return small, max(h, w) / max(small.shape[:2])


def to_working_size(frame: np.ndarray, max_side: int, min_side: int) -> tuple[np.ndarray, float]:
    """The frame with its longer side within [min_side, max_side] (a small frame enlarged, so its faces reach the
    finder's smallest size), and the factor that maps its coordinates back."""
    import cv2

    h, w = frame.shape[:2]
    if max(h, w) >= min_side:
        return downscale(frame, max_side)
    scale = min_side / max(h, w)
    big = cv2.resize(frame, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_LINEAR)
    return big, 1.0 / scale


def scaled_face(
    box: Box, score: float, landmarks: np.ndarray | None, factor: float
) -> Face:
    """A Face in original-frame coordinates from one found in a frame downscaled by 1/factor."""
    x1, y1, x2, y2 = (float(v) * factor for v in box)
    marks = (
        None
        if landmarks is None
        else (np.asarray(landmarks, np.float32).reshape(5, 2) * factor)
    )
    return Face(box=(x1, y1, x2, y2), score=float(score), landmarks=marks)


def square_box(box: Box, margin: float) -> tuple[int, int, int]:
    """(x0, y0, side) of the square centred on the box, its longer side enlarged by margin."""
    x1, y1, x2, y2 = box
    side = max(x2 - x1, y2 - y1) * (1.0 + margin)
    cx, cy = (x1 + x2) / 2.0, (y1 + y2) / 2.0
    side_i = max(1, round(side))
    return round(cx - side / 2.0), round(cy - side / 2.0), side_i


def crop_face(
    frame: np.ndarray, box: Box, *, margin: float = 0.3, size: int = 256
) -> np.ndarray:
    """Square crop around the box enlarged by margin, black-padded at image edges, resized to size x size."""
    import cv2

    h, w = frame.shape[:2]
    x0, y0, side = square_box(box, margin)
    out = np.zeros((side, side, frame.shape[2]), dtype=frame.dtype)
    sx0, sy0, sx1, sy1 = max(0, x0), max(0, y0), min(w, x0 + side), min(h, y0 + side)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = frame[sy0:sy1, sx0:sx1]
    interp = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
    return cv2.resize(out, (size, size), interpolation=interp)
