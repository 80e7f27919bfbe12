"""Frame features of videos for training: N sampled frames -> face crops -> backbone, cached as .npy on disk.

A video's cache key is (video sha256, backbone identity incl. its weights, N, face finder); frames without a
face are zero rows with mask False.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from models.errors import MediaError
from models.types import Progress, no_progress
from models.weights import checked_sha256


def cache_key(path: Path, identity: str, n_frames: int, finder: str) -> str:
    """File stem of a video's cached features."""
    safe = re.sub(r"[^A-Za-z0-9.-]+", "-", identity)
    return f"{checked_sha256(Path(path))}_{safe}_n{n_frames}_{finder}"


def _load_cached(stem: Path) -> Optional[tuple[np.ndarray, np.ndarray]]:
    feats, mask = stem.with_suffix(".features.npy"), stem.with_suffix(".mask.npy")
    if feats.is_file() and mask.is_file():
        return np.load(feats), np.load(mask)
    return None


def _save_cached(stem: Path, features: np.ndarray, mask: np.ndarray) -> None:
    """Write both arrays atomically (a crashed run leaves no half file behind)."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    for suffix, array in ((".features.npy", features), (".mask.npy", mask)):
        tmp = stem.with_suffix(suffix + ".tmp")
        with open(tmp, "wb") as fh:
            np.save(fh, array)
        tmp.replace(stem.with_suffix(suffix))


def face_crops(path: Path, finder, n_frames: int, size: int, *, max_side: Optional[int] = None,
               margin: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Crops (n, size, size, 3) of the largest face in n sampled frames, and the mask of frames with a face.

    Frames stay at full resolution (the finder downscales its own copy), so crops keep the face's detail.
    """
    from models.faces.crop import crop_face
    from models.media import sample_frames

    frames = sample_frames(path, n_frames, max_side=max_side)
    faces = finder.detect([f[2] for f in frames])
    crops = np.zeros((n_frames, size, size, 3), np.uint8)
    mask = np.zeros(n_frames, bool)
    for i, ((_, _, rgb), found) in enumerate(zip(frames, faces)):
        if found:
            crops[i], mask[i] = crop_face(rgb, found[0].box, margin=margin, size=size), True
    return crops, mask


def video_features(path: Path, backbone, finder, n_frames: int, *, cache_dir: Optional[Path] = None,
                   max_side: Optional[int] = None, margin: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Features (n, dim) float32 and mask (n,) bool of one video, from the cache when present."""
    stem = Path(cache_dir) / cache_key(path, backbone.identity, n_frames, finder.name) if cache_dir else None
    cached = _load_cached(stem) if stem else None
    if cached is not None:
        return cached
    crops, mask = face_crops(path, finder, n_frames, backbone.input_size, max_side=max_side, margin=margin)
    features = np.zeros((n_frames, backbone.dim), np.float32)
    if mask.any():
        features[mask] = backbone.features(crops[mask])
    if stem:
        _save_cached(stem, features, mask)
    return features, mask


def dataset_features(samples: Sequence, backbone, finder, n_frames: int, *, cache_dir: Optional[Path] = None,
                     on_progress: Progress = no_progress, progress_bar: bool = True):
    """(X (V, n, dim), M (V, n), y (V,)) of samples with a face in some frame; skipped: faceless or unreadable."""
    from tqdm import tqdm

    xs, ms, ys, skipped = [], [], [], []
    bar = tqdm(samples, desc=f"features ({backbone.name})", unit="video", disable=not progress_bar)
    for i, sample in enumerate(bar):
        try:
            feats, mask = video_features(sample.path, backbone, finder, n_frames, cache_dir=cache_dir)
        except MediaError:
            feats, mask = None, np.zeros(n_frames, bool)
        if mask.any():
            xs.append(feats), ms.append(mask), ys.append(sample.label)
        else:
            skipped.append(sample)
        on_progress("features", (i + 1) / max(1, len(samples)))
    dim = backbone.dim
    if not xs:
        return np.zeros((0, n_frames, dim), np.float32), np.zeros((0, n_frames), bool), np.zeros(0, int), skipped
    return np.stack(xs), np.stack(ms), np.asarray(ys, int), skipped
