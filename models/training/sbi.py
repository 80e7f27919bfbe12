"""Self-blended images (Shiohara & Yamasaki, CVPR 2022): a fake made from one real face alone.

A face crop is blended with a colour-, frequency- and geometry-transformed copy of itself through a deformed,
blurred mask of its landmark hull. The result carries the traces of blending (a boundary, a colour or sharpness
step) without the identity of any other person, so a model trained on it learns blending, not faces.
Shared augmentations (compression, resampling, blur) are applied to reals and fakes alike, so that compression or
rescaling alone never looks fake.
"""

from __future__ import annotations

import numpy as np

BLEND_RATIOS = (0.25, 0.5, 0.75, 1.0, 1.0, 1.0)


def hull_mask(landmarks: np.ndarray, size: int) -> np.ndarray:
    """float32 (size, size) mask, 1 inside the convex hull of the 68 landmarks."""
    import cv2

    mask = np.zeros((size, size), np.float32)
    hull = cv2.convexHull(np.round(landmarks).astype(np.int32))
    cv2.fillConvexPoly(mask, hull, 1.0)
    return mask


def _elastic(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The mask warped by a smooth random displacement field (a few pixels)."""
    import cv2

    size = mask.shape[0]
    sigma, alpha = size * rng.uniform(0.04, 0.08), size * rng.uniform(0.02, 0.05)
    dx = cv2.GaussianBlur(rng.uniform(-1, 1, mask.shape).astype(np.float32), (0, 0), sigma)
    dy = cv2.GaussianBlur(rng.uniform(-1, 1, mask.shape).astype(np.float32), (0, 0), sigma)
    dx *= alpha / (np.abs(dx).max() + 1e-6)
    dy *= alpha / (np.abs(dy).max() + 1e-6)
    gx, gy = np.meshgrid(np.arange(size, dtype=np.float32), np.arange(size, dtype=np.float32))
    return cv2.remap(mask, gx + dx, gy + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def blend_mask(landmarks: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """The deformed hull: elastic warp, random erosion or dilation, Gaussian feather, random blend ratio."""
    import cv2

    mask = _elastic(hull_mask(landmarks, size), rng)
    k = int(rng.integers(1, max(2, size // 24)))
    kernel = np.ones((k, k), np.uint8)
    mask = cv2.erode(mask, kernel) if rng.random() < 0.5 else cv2.dilate(mask, kernel)
    blur = int(rng.integers(1, max(2, size // 16))) * 2 + 1
    mask = cv2.GaussianBlur(mask, (blur, blur), 0)
    mask /= max(float(mask.max()), 1e-6)
    return (mask * rng.choice(BLEND_RATIOS)).astype(np.float32)


def _colour(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """RGB shift, hue/saturation/value shift, brightness/contrast: the source's colour differs from the target's."""
    import cv2

    out = img.astype(np.float32) + rng.uniform(-12, 12, 3)
    hsv = cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_RGB2HSV).astype(np.float32)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(-2, 2)) % 180
    hsv[..., 1:] *= rng.uniform(0.92, 1.08, 2)
    out = cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2RGB).astype(np.float32)
    out = (out - 128) * rng.uniform(0.92, 1.08) + 128 + rng.uniform(-8, 8)
    return np.clip(out, 0, 255).astype(np.uint8)


def _frequency(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Either a down-and-up resampling (softer) or a sharpening (crisper) of the source."""
    import cv2

    size = img.shape[0]
    if rng.random() < 0.5:
        small = max(8, int(size * rng.uniform(0.25, 0.5)))
        return cv2.resize(cv2.resize(img, (small, small), interpolation=cv2.INTER_AREA), (size, size),
                          interpolation=cv2.INTER_LINEAR)
    blur = cv2.GaussianBlur(img, (0, 0), 1.0)
    return np.clip(img.astype(np.float32) * 1.6 - blur.astype(np.float32) * 0.6, 0, 255).astype(np.uint8)


def _shift(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A small scale and translation of the source relative to the target."""
    import cv2

    size = img.shape[0]
    scale = rng.uniform(0.95, 1.05)
    tx, ty = rng.uniform(-0.03, 0.03, 2) * size
    m = np.array([[scale, 0, (1 - scale) * size / 2 + tx], [0, scale, (1 - scale) * size / 2 + ty]], np.float32)
    return cv2.warpAffine(img, m, (size, size), borderMode=cv2.BORDER_REFLECT)


def self_blend(img: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(the self-blended fake, its blend mask) from one real crop (S, S, 3) uint8 and its 68 landmarks."""
    # Only the source (the face) is transformed, so the blend changes nothing outside the deformed face hull.
    target = img
    source = _shift(_frequency(_colour(img, rng), rng), rng) if rng.random() < 0.75 else _colour(_shift(img, rng), rng)
    mask = blend_mask(landmarks, img.shape[0], rng)[..., None]
    fake = source.astype(np.float32) * mask + target.astype(np.float32) * (1 - mask)
    return np.clip(np.round(fake), 0, 255).astype(np.uint8), mask[..., 0]


def degrade(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Augmentations shared by reals and fakes: flip, resampling, blur, JPEG compression, small colour change."""
    import cv2

    size = img.shape[0]
    out = img[:, ::-1] if rng.random() < 0.5 else img
    if rng.random() < 0.5:  # a low-resolution or tightly cropped clip: rescaled up to the model's size
        small = max(24, int(size * rng.uniform(0.2, 0.9)))
        out = cv2.resize(cv2.resize(np.ascontiguousarray(out), (small, small), interpolation=cv2.INTER_AREA),
                         (size, size), interpolation=[cv2.INTER_LINEAR, cv2.INTER_CUBIC][int(rng.integers(2))])
    if rng.random() < 0.2:
        out = cv2.GaussianBlur(np.ascontiguousarray(out), (0, 0), rng.uniform(0.4, 1.2))
    if rng.random() < 0.7:
        quality = [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 96))]
        ok, data = cv2.imencode(".jpg", np.ascontiguousarray(out), quality)
        out = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if rng.random() < 0.3:
        out = np.clip(out.astype(np.float32) * rng.uniform(0.9, 1.1) + rng.uniform(-10, 10), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(out)
