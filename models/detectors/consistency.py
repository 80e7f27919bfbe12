"""A blend-consistency detector: does the face look like the skin and picture around it?

A face pasted or re-rendered into a frame rarely matches its surroundings: its sharpness, sensor noise and
gradients differ from the ring of skin, hair and background around the landmark hull, its boundary carries extra
gradient, its colour shifts, and resampling leaves a trace in the image's frequency spectrum. Each face crop gives
those measurements (13 consistency numbers and 32 spectrum bands); a logistic regression fitted by the lab turns
them into P(fake). The model file is
a small JSON (scaler, coefficients, calibration, card), checked by sha256 like any weights.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from models.errors import WeightsMismatch, WeightsMissing

CROP = 256
FACE_SIDE = CROP / 1.3  # the face box inside a crop cut with margin 0.3
N_FEATURES = 45  # 13 consistency measurements + 32 spectrum bands


def _spectrum(gray: np.ndarray) -> np.ndarray:
    """Log radial power spectrum, 32 bands, relative to its lowest frequencies."""
    power = np.abs(np.fft.fftshift(np.fft.fft2(gray - gray.mean()))) ** 2
    h, w = power.shape
    y, x = np.indices(power.shape)
    radius = np.hypot(x - w / 2, y - h / 2).astype(int)
    profile = np.bincount(radius.ravel(), power.ravel()) / np.maximum(np.bincount(radius.ravel()), 1)
    profile = np.log(profile[1:128] + 1e-8)
    return profile[::4] - profile[:4].mean()


def _regions(landmarks: np.ndarray):
    """(inner face, ring around the hull, hull boundary) masks of a CROP x CROP crop."""
    import cv2

    from models.training.sbi import hull_mask

    hull = (hull_mask(landmarks, CROP) > 0).astype(np.uint8)
    inner = cv2.erode(hull, np.ones((15, 15), np.uint8)) > 0
    ring = (cv2.dilate(hull, np.ones((31, 31), np.uint8)) > 0) & (hull == 0)
    edge = (cv2.dilate(hull, np.ones((7, 7), np.uint8)) - cv2.erode(hull, np.ones((7, 7), np.uint8))) > 0
    return inner, ring, edge


def features(crop: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """The 45 measurements of one 256x256 RGB face crop with its 68 landmarks (crop pixels)."""
    import cv2

    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32)
    inner, ring, edge = _regions(landmarks)
    lap = np.abs(cv2.Laplacian(gray, cv2.CV_32F))
    noise = np.abs(gray - cv2.medianBlur(gray.astype(np.uint8), 3).astype(np.float32))
    grad = np.hypot(cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1))
    out = []
    for measure in (lap, noise, grad):
        a = measure[inner].mean() + 1e-3
        b = (measure[ring].mean() if ring.any() else 0.0) + 1e-3
        out += [np.log(a), np.log(b), np.log(a / b)]
    out.append(np.log((grad[edge].mean() + 1e-3) / (grad[inner].mean() + 1e-3)))
    lab = cv2.cvtColor(crop, cv2.COLOR_RGB2LAB).astype(np.float32)
    out += [lab[..., c][inner].mean() - lab[..., c][ring].mean() if ring.any() else 0.0 for c in range(3)]
    return np.concatenate([np.asarray(out, np.float64), _spectrum(gray)])


class CropLandmarks:
    """68 landmarks of the face in the middle of a margin-0.3 crop (dlib, the same way in training and use)."""

    def __init__(self):
        from models.landmarks import Dlib68

        self.dlib = Dlib68()

    def __call__(self, crop: np.ndarray) -> np.ndarray:
        lo, hi = (CROP - FACE_SIDE) / 2, (CROP + FACE_SIDE) / 2
        return self.dlib.landmarks(crop, (lo, lo, hi, hi))


def crop_features(crops: np.ndarray, landmarker: CropLandmarks) -> np.ndarray:
    return np.stack([features(c, landmarker(c)) for c in crops])


class ConsistencyDetector:
    """Scores face crops (N, 256, 256, 3) -> P(fake) (before calibration) from the fitted logistic regression."""

    input_size = CROP

    def __init__(self, weights: Path, name: str = "blend_consistency"):
        from models.weights import checked_sha256

        weights = Path(weights)
        if not weights.is_file():
            raise WeightsMissing(f"The detector {name} has no model file at {weights}.")
        self.name, self.weights_sha256 = name, checked_sha256(weights)
        model = json.loads(weights.read_text()).get("model") or {}
        try:
            self.mean, self.scale = np.asarray(model["mean"]), np.asarray(model["scale"])
            self.coef, self.intercept = np.asarray(model["coef"]), float(model["intercept"])
        except KeyError as exc:
            raise WeightsMismatch(f"{weights.name} is not a blend-consistency model (no {exc}).") from exc
        if not (self.mean.shape == self.scale.shape == self.coef.shape == (N_FEATURES,)):
            raise WeightsMismatch(f"{weights.name} does not hold {N_FEATURES} coefficients.")
        self.landmarker = CropLandmarks()

    def logits(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def score(self, crops: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(crop_features(np.asarray(crops), self.landmarker))))
