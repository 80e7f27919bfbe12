"""Detect a deepfake in a video: sample frames, find the largest face, crop, score in one batch, aggregate."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from models.detectors import FrameDetector
from models.detectors.aggregate import AGGREGATIONS
from models.errors import ModelsError, NoFaceError
from models.faces import FaceFinder
from models.faces.crop import crop_face
from models.media import probe, sample_frames
from models.types import DetectionResult, FrameScore, Progress, no_progress

# Share of the overall progress bar each stage covers: (stage, start, end).
STAGES = {
    "decoding": (0.0, 0.2),
    "finding faces": (0.2, 0.8),
    "scoring": (0.8, 0.95),
    "aggregating": (0.95, 1.0),
}
FACE_CHUNK = 8  # frames per face-finder call: batched, yet often enough for a live progress bar and a cancel
THUMB_SIZE = 96


def _report(on_progress: Progress, stage: str, within: float) -> None:
    """Report the overall fraction (monotonic over the whole pipeline) while in `stage`."""
    start, end = STAGES[stage]
    on_progress(stage, start + (end - start) * min(1.0, max(0.0, within)))


def _find_faces(
    frames: list[np.ndarray], finder: FaceFinder, on_progress: Progress
) -> list:
    """The largest face of each frame (None where there is none), in chunks that report progress."""
    largest = []
    for start in range(0, len(frames), FACE_CHUNK):
        for faces in finder.detect(frames[start : start + FACE_CHUNK]):
            largest.append(faces[0] if faces else None)
        _report(on_progress, "finding faces", len(largest) / len(frames))
    return largest


def _frame_scores(samples, faces, scores: np.ndarray) -> list[FrameScore]:
    """One FrameScore per sampled frame; fake_probability None where no face was found."""
    out, k = [], 0
    for (index, t, _), face in zip(samples, faces):
        p = None
        if face is not None:
            p, k = float(scores[k]), k + 1
        out.append(
            FrameScore(
                index=index,
                time=t,
                fake_probability=p,
                face_box=face.box if face else None,
            )
        )
    return out


def _warnings(found: int, total: int) -> list[str]:
    if found * 2 < total:
        return [
            f"A face was found in only {found} of the {total} sampled frames; the verdict rests on those."
        ]
    return []


def detect_video(
    path: Path,
    detector: FrameDetector,
    face_finder: FaceFinder,
    *,
    n_frames: int = 32,
    aggregation: str = "mean",
    margin: float = 0.3,
    threshold: float = 0.5,
    max_side: int = 640,
    on_progress: Progress = no_progress,
) -> DetectionResult:
    """The verdict on a video; raises MediaError, NoFaceError, or Canceled (from on_progress)."""
    if aggregation not in AGGREGATIONS:
        raise ModelsError(
            f"Unknown aggregation {aggregation!r}; choose one of {', '.join(AGGREGATIONS)}."
        )
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    _report(on_progress, "decoding", 0.0)
    info = probe(path)
    samples = sample_frames(
        path,
        n_frames,
        max_side=max_side,
        on_frame=lambda done, n: _report(on_progress, "decoding", done / n),
    )
    timings["decode"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    frames = [rgb for _, _, rgb in samples]
    faces = _find_faces(frames, face_finder, on_progress)
    timings["faces"] = time.perf_counter() - t1
    found = [(rgb, f) for rgb, f in zip(frames, faces) if f is not None]
    if not found:
        raise NoFaceError(
            f"No face was found in any of the {len(samples)} sampled frames."
        )

    t2 = time.perf_counter()
    _report(on_progress, "scoring", 0.0)
    crops = np.stack(
        [
            crop_face(rgb, f.box, margin=margin, size=detector.input_size)
            for rgb, f in found
        ]
    )
    scores = np.asarray(detector.score(crops), dtype=np.float64)
    timings["scoring"] = time.perf_counter() - t2
    _report(on_progress, "scoring", 1.0)
    return _verdict(
        info,
        samples,
        faces,
        scores,
        crops,
        detector,
        aggregation,
        threshold,
        timings,
        on_progress,
        t0,
    )


def _verdict(
    info,
    samples,
    faces,
    scores,
    crops,
    detector,
    aggregation,
    threshold,
    timings,
    on_progress,
    t0,
):
    """Aggregate the per-frame scores into the DetectionResult."""
    import cv2

    _report(on_progress, "aggregating", 0.0)
    p = AGGREGATIONS[aggregation](scores.tolist())
    thumbs = [
        cv2.resize(c, (THUMB_SIZE, THUMB_SIZE), interpolation=cv2.INTER_AREA)
        for c in crops
    ]
    timings["total"] = time.perf_counter() - t0
    result = DetectionResult(
        verdict="FAKE" if p >= threshold else "REAL",
        fake_probability=p,
        aggregation=aggregation,
        model=detector.name,
        weights_sha256=detector.weights_sha256,
        frames=_frame_scores(samples, faces, scores),
        thumbnails=thumbs,
        video=info,
        timings=timings,
        warnings=_warnings(len(scores), len(samples)),
    )
    _report(on_progress, "aggregating", 1.0)
    return result
