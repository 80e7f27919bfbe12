"""Detect a deepfake in a video or photo: one face pass (decode, find, track), then any number of frame detectors.

The face pass samples frames by seeking, finds every face once and links faces across frames into tracks (one per
person). Each frame detector then scores the crops of the same tracks, so an ensemble of N detectors decodes and
finds faces once. Every person gets a score; the video's score is that of the most suspicious well-observed person.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from models.detectors.aggregate import AGGREGATIONS
from models.errors import ModelsError, NoFaceError
from models.faces import FaceFinder
from models.faces.crop import crop_face
from models.faces.tracks import Track, link_tracks
from models.media import probe, sample_frames
from models.types import DetectionResult, FrameDetector, FrameScore, PersonScore, Progress, VideoInfo, no_progress

# Share of the overall progress bar each stage covers: (stage, start, end).
STAGES = {
    "decoding": (0.0, 0.2),
    "finding faces": (0.2, 0.7),
    "scoring": (0.7, 0.95),
    "aggregating": (0.95, 1.0),
}
FACE_CHUNK = 8  # frames per face-finder call: batched, yet often enough for a live progress bar and a cancel
THUMB_SIZE = 96
MAX_PEOPLE = 4  # the largest tracks scored; more faces than that are named in a warning
SMALL_FACE_PX = 64
SHORT_CLIP_FRAMES = 8
PHOTO_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"BM")


def is_photo(path: Path) -> bool:
    """True when the file is a still image (JPEG, PNG, WebP, BMP) by its content, whatever its name."""
    with open(path, "rb") as fh:
        head = fh.read(12)
    return head.startswith(PHOTO_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


@dataclass
class FacePass:
    """What one decode + face search found: the sampled frames, the video, the tracks, and what it cost."""

    samples: list  # (index, seconds, RGB)
    video: VideoInfo
    tracks: list[Track]
    timings: dict[str, float] = field(default_factory=dict)
    is_photo: bool = False

    @property
    def primary(self) -> Track:
        return self.tracks[0]


def _report(on_progress: Progress, stage: str, within: float) -> None:
    """Report the overall fraction (monotonic over the whole pipeline) while in `stage`."""
    start, end = STAGES[stage]
    on_progress(stage, start + (end - start) * min(1.0, max(0.0, within)))


def _find_all(frames: list[np.ndarray], finder: FaceFinder, on_progress: Progress) -> list[list]:
    """Every face of each frame, in chunks that report progress."""
    found: list[list] = []
    for start in range(0, len(frames), FACE_CHUNK):
        found.extend(finder.detect(frames[start : start + FACE_CHUNK]))
        _report(on_progress, "finding faces", len(found) / len(frames))
    return found


def _photo_samples(path: Path) -> tuple[list, VideoInfo]:
    from models.media import read_image

    rgb = read_image(path)
    h, w = rgb.shape[:2]
    return [(0, 0.0, rgb)], VideoInfo(w, h, 0.0, 0.0, 1, "image", False, Path(path).suffix.lstrip(".").lower())


def face_pass(path: Path, finder: FaceFinder, *, n_frames: int = 32, max_side: int | None = 1920,
              on_progress: Progress = no_progress) -> FacePass:
    """Decode n_frames (or read a photo), find every face once, link them into tracks (largest person first)."""
    t0 = time.perf_counter()
    _report(on_progress, "decoding", 0.0)
    photo = is_photo(path)
    if photo:
        samples, info = _photo_samples(path)
    else:
        info = probe(path)
        samples = sample_frames(path, n_frames, max_side=max_side,
                                on_frame=lambda done, n: _report(on_progress, "decoding", done / n))
    t1 = time.perf_counter()
    faces = _find_all([rgb for _, _, rgb in samples], finder, on_progress)
    tracks = link_tracks(faces)
    if not tracks:
        what = "the photo" if photo else f"any of the {len(samples)} sampled frames"
        raise NoFaceError(f"No face was found in {what}.")
    return FacePass(samples, info, tracks, {"decode": t1 - t0, "faces": time.perf_counter() - t1}, photo)


def _track_scores(fp: FacePass, track: Track, detector: FrameDetector) -> tuple[np.ndarray, list[np.ndarray]]:
    crops = [crop_face(fp.samples[i][2], face.box, margin=0.3, size=detector.input_size)
             for i, face in zip(track.frames, track.faces)]
    return np.asarray(detector.score(np.stack(crops)), dtype=np.float64), crops


def _thumb(crop: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.resize(crop, (THUMB_SIZE, THUMB_SIZE), interpolation=cv2.INTER_AREA)


def _frame_scores(fp: FacePass, track: Track, scores: np.ndarray) -> list[FrameScore]:
    """One FrameScore per sampled frame; fake_probability None where this person's face was not found."""
    by_frame = {i: (float(s), f.box) for i, s, f in zip(track.frames, scores, track.faces)}
    return [FrameScore(index=index, time=t, fake_probability=by_frame.get(k, (None, None))[0],
                       face_box=by_frame.get(k, (None, None))[1]) for k, (index, t, _) in enumerate(fp.samples)]


def _well_observed(fp: FacePass) -> list[Track]:
    """Tracks seen in enough frames to be judged: a quarter of the frames, at least one (photos: every face)."""
    need = 1 if fp.is_photo else max(1, min(3, len(fp.samples)), len(fp.samples) // 4)
    kept = [t for t in fp.tracks[:MAX_PEOPLE] if len(t.frames) >= need]
    return kept or fp.tracks[:1]


def evidence_warnings(fp: FacePass) -> list[str]:
    """Sentences on thin evidence, each saying what it means for the verdict."""
    out, n, primary = [], len(fp.samples), fp.primary
    if fp.is_photo:
        out.append("This is a single photo: the verdict rests on one image of each face, with no motion to check; "
                   "treat it as weaker evidence than a video verdict.")
    elif n < SHORT_CLIP_FRAMES:
        out.append(f"The clip gave only {n} frames: too few to average out single-frame errors, so the verdict "
                   "is marked inconclusive unless the score is far from the threshold.")
    if not fp.is_photo and len(primary.frames) * 2 < n:
        out.append(f"The main face was found in {len(primary.frames)} of the {n} sampled frames; the verdict rests "
                   "on those frames only (the others show no face or a face turned away).")
    side = float(np.median([min(f.box[2] - f.box[0], f.box[3] - f.box[1]) for f in primary.faces]))
    if side < SMALL_FACE_PX:
        out.append(f"The face is small ({side:.0f} px across): blending traces are mostly lost at this size, so "
                   "a REAL verdict here is weak evidence.")
    if len(fp.tracks) > MAX_PEOPLE:
        out.append(f"{len(fp.tracks)} faces were tracked; the {MAX_PEOPLE} largest were scored.")
    return out


def thin_evidence(fp: FacePass) -> bool:
    """True when the verdict must not go beyond INCONCLUSIVE whatever the score: too few faces to judge."""
    return (not fp.is_photo) and len(fp.primary.frames) < 3


def score_pass(fp: FacePass, detector: FrameDetector, *, aggregation: str = "mean", threshold: float = 0.5,
               on_progress: Progress = no_progress) -> DetectionResult:
    """A detector's verdict on a face pass: every well-observed person scored, the most suspicious one leads."""
    if aggregation not in AGGREGATIONS:
        raise ModelsError(f"Unknown aggregation {aggregation!r}; choose one of {', '.join(AGGREGATIONS)}.")
    t0 = time.perf_counter()
    _report(on_progress, "scoring", 0.0)
    people, details = [], {}
    for track in _well_observed(fp):
        scores, crops = _track_scores(fp, track, detector)
        p = AGGREGATIONS[aggregation](scores.tolist())
        people.append(PersonScore(track.id, len(track.frames), p, "FAKE" if p >= threshold else "REAL",
                                  _thumb(crops[len(crops) // 2])))
        details[track.id] = (scores, crops)
    lead = max(people, key=lambda person: person.fake_probability)
    scores, crops = details[lead.track]
    track = next(t for t in fp.tracks if t.id == lead.track)
    _report(on_progress, "aggregating", 1.0)
    warnings = evidence_warnings(fp)
    if getattr(detector, "sequence_model", False):
        warnings.append(f"{detector.name} scores each person's whole sequence of faces: the timeline repeats that "
                        "one score on every frame with the face.")
    return DetectionResult(
        verdict=lead.verdict, fake_probability=lead.fake_probability, aggregation=aggregation, model=detector.name,
        weights_sha256=detector.weights_sha256, frames=_frame_scores(fp, track, scores),
        thumbnails=[_thumb(c) for c in crops], video=fp.video,
        timings={**fp.timings, "scoring": time.perf_counter() - t0}, warnings=warnings,
        people=people if len(people) > 1 else [], person=lead.track if len(people) > 1 else None)


def detect_video(
    path: Path,
    detector: FrameDetector,
    face_finder: FaceFinder,
    *,
    n_frames: int = 32,
    aggregation: str = "mean",
    threshold: float = 0.5,
    max_side: int | None = 1920,
    on_progress: Progress = no_progress,
) -> DetectionResult:
    """The verdict on a video or photo; raises MediaError, NoFaceError, or Canceled (from on_progress)."""
    fp = face_pass(path, face_finder, n_frames=n_frames, max_side=max_side, on_progress=on_progress)
    result = score_pass(fp, detector, aggregation=aggregation, threshold=threshold, on_progress=on_progress)
    result.timings["total"] = sum(result.timings.values())
    return result


def detect_sequence(path: Path, head, face_finder: FaceFinder, *, on_progress: Progress = no_progress
                    ) -> DetectionResult:
    """A trained head's verdict (models.detectors.head): the largest face of each of its `frames` sampled frames,
    scored as one sequence; raises MediaError, NoFaceError, or Canceled (from on_progress)."""
    from models.training.features import face_crops

    on_progress("finding faces", 0.1)
    t0 = time.perf_counter()
    crops, mask = face_crops(path, face_finder, head.frames, head.input_size)
    if not mask.any():
        raise NoFaceError(f"No face was found in any of the {head.frames} sampled frames.")
    on_progress("backbone features", 0.6)
    p, per_frame = head.score(crops, mask)
    info = probe(path)
    times = np.linspace(0, info.duration, head.frames, endpoint=False)
    warnings = []
    if per_frame is None:  # a sequence head (GRU/LSTM): each frame with a face shows the clip's one score
        per_frame = np.full(head.frames, p)
        warnings.append("This model scores the whole sequence of faces; the timeline repeats that one score on "
                        "every frame with a face.")
    scores = [FrameScore(i, float(t), float(per_frame[i]) if mask[i] else None) for i, t in enumerate(times)]
    return DetectionResult("FAKE" if p >= 0.5 else "REAL", p, "head output", head.name, head.weights_sha256, scores,
                           [c for c, keep in zip(crops, mask) if keep], info, {"total": time.perf_counter() - t0},
                           warnings)
