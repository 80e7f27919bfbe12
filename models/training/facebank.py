"""A face bank: the largest face of N sampled frames of each video, cropped square with a margin, with 68 landmarks.

Extracted once per (video sha256, frames, crop size, finder) and kept as one .npz per video, so that every
training recipe and every fold of a cross-validation reads the same faces without decoding a video again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from models.faces.crop import crop_face, square_box

MARGIN = 0.3  # the detection pipeline's crop margin: training and inference must crop alike


@dataclass
class VideoFaces:
    """Face crops of one video: crops (K, S, S, 3) uint8, landmarks (K, 68, 2) in crop pixels, frame indices."""

    crops: np.ndarray
    landmarks: np.ndarray
    frames: np.ndarray

    def __len__(self) -> int:
        return len(self.crops)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _landmarks_in_crop(frame: np.ndarray, box, landmarker, size: int) -> np.ndarray:
    """68 landmarks of the face in `box`, mapped into the square crop's pixel coordinates."""
    x0, y0, side = square_box(box, MARGIN)
    points = landmarker.landmarks(frame, box)
    return ((points - np.array([x0, y0], np.float32)) * (size / side)).astype(np.float32)


def extract(path: Path, finder, landmarker, *, n_frames: int = 16, size: int = 256) -> VideoFaces:
    """The largest face of each of n_frames evenly spaced frames (frames without a face are skipped)."""
    from models.media import sample_frames

    crops, marks, indices = [], [], []
    samples = sample_frames(path, n_frames)
    for (index, _, rgb), faces in zip(samples, finder.detect([s[2] for s in samples])):
        if not faces:
            continue
        crops.append(crop_face(rgb, faces[0].box, margin=MARGIN, size=size))
        marks.append(_landmarks_in_crop(rgb, faces[0].box, landmarker, size))
        indices.append(index)
    if not crops:
        return VideoFaces(np.zeros((0, size, size, 3), np.uint8), np.zeros((0, 68, 2), np.float32),
                          np.zeros(0, np.int64))
    return VideoFaces(np.stack(crops), np.stack(marks), np.asarray(indices))


class FaceBank:
    """A folder of per-video face crops, keyed by the video's content and the extraction settings."""

    def __init__(self, folder: Path, finder, *, n_frames: int = 16, size: int = 256):
        self.folder, self.finder = Path(folder), finder
        self.n_frames, self.size = n_frames, size
        self.folder.mkdir(parents=True, exist_ok=True)
        self._landmarker = None

    def _file(self, path: Path) -> Path:
        key = f"{file_sha256(path)[:24]}-{self.finder.name}-n{self.n_frames}-s{self.size}"
        return self.folder / f"{key}.npz"

    def _landmarks(self):
        if self._landmarker is None:
            from models.landmarks import Dlib68

            self._landmarker = Dlib68()
        return self._landmarker

    def faces(self, path: Path) -> VideoFaces:
        """The video's faces, from the bank when extracted before."""
        file = self._file(path)
        if file.is_file():
            with np.load(file) as data:
                return VideoFaces(data["crops"], data["landmarks"], data["frames"])
        got = extract(path, self.finder, self._landmarks(), n_frames=self.n_frames, size=self.size)
        tmp = file.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, crops=got.crops, landmarks=got.landmarks, frames=got.frames)
        tmp.replace(file)
        return got

    def fill(self, paths: Sequence[Path], progress_bar: bool = True) -> dict[Path, Optional[str]]:
        """Extract every video (a tqdm bar); returns path -> None, or the reason a video gave no faces."""
        from tqdm import tqdm

        from models.errors import ModelsError

        out: dict[Path, Optional[str]] = {}
        for path in tqdm(paths, desc="face bank", unit="video", disable=not progress_bar):
            try:
                out[path] = None if len(self.faces(path)) else "no face found"
            except ModelsError as exc:
                out[path] = str(exc)
        return out
