"""LRNet's landmark sequence: 68 points per frame in a stable 400x400 face crop, calibrated and normalised.

Mirrors upstream frederickszk/LRNet (demo/utils/landmark_utils.py, `detect_frames_track`):
1. per-frame 68 landmarks; frames before the first face are skipped, a later miss or a jump to another face
   (centre moved more than half a face, size changed by more than 30 %) reuses the previous frame's points;
2. a square box 1.2x the average face size around the landmarks' centre (centre kept when it moved < 1.42 px),
   cropped and resized to 400x400, landmarks mapped into the crop and rounded to whole pixels;
3. calibration: pyramidal Lucas-Kanade (15x15 window, 3 levels) forward from the tracked points and backward,
   points whose forward-backward error exceeds 2 px or whose flow failed keep the detection, the others are
   merged with the detection by a per-point Kalman filter (process variance 0.3);
4. normalisation to [-1, 1] about the crop centre: (x - 200) / 200, 136 values per frame.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

CROP = 400
SCALE = 1.2
SHIFT_THRESHOLD = 1.42
Q = 0.3  # Kalman process variance
FEEDBACK_LIMIT = 2.0  # px: forward-backward disagreement beyond which the flow is not trusted


def _size(shape: np.ndarray) -> float:
    """Side of the landmarks' bounding square."""
    return float(np.max(np.ptp(shape, axis=0)))


def stabilise(shapes: Sequence[Optional[np.ndarray]]) -> tuple[int, list[np.ndarray], list[float]]:
    """(skipped leading frames, one shape per remaining frame, previous-face sizes) with misses and jumps filled."""
    skipped, kept, sizes = 0, [], []
    for shape in shapes:
        if shape is None:
            if not kept:
                skipped += 1
                continue
            shape = kept[-1]
        shape = np.asarray(shape).astype(int)
        if kept:
            prev = kept[-1]
            dist = float(np.linalg.norm(prev.mean(0) - shape.mean(0)))
            size_prev, size_now = _size(prev), _size(shape)
            if dist > 0.5 * size_prev or not 0.7 * size_prev <= size_now <= 1.3 * size_prev:
                shape = prev
            sizes.append(size_prev)
        kept.append(shape)
    return skipped, kept, sizes


def face_square(shape: np.ndarray, width: int, height: int, size: float,
                center_prev: Optional[np.ndarray]) -> tuple[list[int], int, np.ndarray]:
    """Upstream's `shape_to_face`: ([x1, y1, x2, y2], side, centre) of the enlarged square around the landmarks."""
    lo, hi = shape.min(0), shape.max(0)
    center = (lo + hi) // 2
    if center_prev is not None and np.linalg.norm(center_prev - center) < SHIFT_THRESHOLD:
        center = center_prev
    side = int(size * SCALE) // 2 * 2
    x1, y1 = max(int(center[0]) - side // 2, 0), max(int(center[1]) - side // 2, 0)
    side = min(width - x1, height - y1, side)
    return [x1, y1, x1 + side, y1 + side], side, center


def crop_sequence(frames: Sequence[np.ndarray], shapes: Sequence[np.ndarray],
                  sizes: Sequence[float]) -> tuple[list[np.ndarray], list[np.ndarray], list[list[int]]]:
    """(400x400 crops, integer landmarks in each crop, boxes) for frames aligned with shapes."""
    import cv2

    stable = float(np.rint(np.mean(sizes))) if len(sizes) else _size(shapes[0])
    crops, points, boxes, center = [], [], [], None
    for frame, shape in zip(frames, shapes):
        h, w = frame.shape[:2]
        box, side, center = face_square(shape, w, h, stable, center)
        side = max(side, 1)
        interp = cv2.INTER_CUBIC if side < CROP else cv2.INTER_AREA
        crop = cv2.resize(frame[box[1]:box[3], box[0]:box[2]], (CROP, CROP), interpolation=interp)
        points.append(np.rint((shape - np.array(box[:2])) * (CROP / side)).astype(int))
        crops.append(crop)
        boxes.append(box)
    return crops, points, boxes


def merge(detected: tuple[np.ndarray, np.ndarray], forward: tuple[np.ndarray, np.ndarray],
          feedback: np.ndarray, p_predict: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Upstream's `check_and_merge`, vectorised: Kalman merge of flow-tracked and detected points."""
    base, tracked = forward
    check = ok & (np.linalg.norm(feedback - base, axis=1) <= FEEDBACK_LIMIT)
    detect_dist = np.linalg.norm(detected[1] - detected[0], axis=1)
    predict_dist = np.linalg.norm(tracked - base, axis=1)
    predict_dist[predict_dist == 0] = 1
    p_detect = detect_dist / predict_dist
    p = p_predict.copy()
    p[check] += Q
    gain = p[check] / (p[check] + p_detect[check])
    merged = detected[1].copy()  # integer array: upstream truncates the merged position to whole pixels
    merged[check] = tracked[check] + gain[:, None] * (detected[1][check] - tracked[check])
    p[check] = (1 - gain) * p[check]
    return merged, p


def _flow(a: np.ndarray, b: np.ndarray, start: np.ndarray, guess: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pyramidal Lucas-Kanade from image a to b, starting from `guess`; (points, status)."""
    import cv2

    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 10, 0.03)
    pts, status, _ = cv2.calcOpticalFlowPyrLK(
        a, b, start.astype(np.float32).reshape(-1, 1, 2), guess.astype(np.float32).reshape(-1, 1, 2),
        winSize=(15, 15), maxLevel=3, criteria=criteria, flags=cv2.OPTFLOW_USE_INITIAL_FLOW)
    return pts.reshape(-1, 2), status.reshape(-1).astype(bool)


def calibrate(crops: Sequence[np.ndarray], points: Sequence[np.ndarray]) -> np.ndarray:
    """(T, 68, 2) integer crop coordinates: detections merged with forward/backward LK tracking."""
    if not len(points):
        return np.zeros((0, 68, 2), dtype=int)
    track = [np.asarray(points[0]).astype(int)]
    p_predict = np.zeros(len(points[0]), dtype=float)
    for i in range(len(points) - 1):
        start = track[i].astype(np.float32)
        fwd, ok_f = _flow(crops[i], crops[i + 1], start, points[i + 1])
        back, ok_b = _flow(crops[i + 1], crops[i], fwd, start)
        fwd_i, back_i = np.rint(fwd).astype(int), np.rint(back).astype(int)
        merged, p_predict = merge((points[i], points[i + 1]), (track[i], fwd_i), back_i, p_predict, ok_f & ok_b)
        track.append(merged)
    return np.stack(track)


def normalise(track: np.ndarray) -> np.ndarray:
    """(T, 136) float32: crop coordinates mapped to [-1, 1] about the crop centre, x and y interleaved."""
    half = CROP // 2
    return ((np.asarray(track, dtype=np.float64) - half) / half).reshape(len(track), -1).astype(np.float32)


def landmark_sequence(frames: Sequence[np.ndarray],
                      shapes: Sequence[Optional[np.ndarray]]) -> tuple[np.ndarray, int, list[np.ndarray], list]:
    """(T, 136) calibrated sequence, leading frames skipped, the 400x400 crops and their boxes in the frame."""
    skipped, kept, sizes = stabilise(shapes)
    if not kept:
        return np.zeros((0, 136), dtype=np.float32), skipped, [], []
    crops, points, boxes = crop_sequence(frames[skipped:], kept, sizes)
    return normalise(calibrate(crops, points)), skipped, crops, boxes
