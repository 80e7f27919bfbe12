"""Putting a warped face into a frame without a seam: the face mask, colour matching, Laplacian-pyramid blending.

Poisson blending (cv2.seamlessClone) was dropped: wherever its boundary crosses something dark (a beard, a
shadow under the jaw) it pulls that colour into the face, which showed as a dark line around the jaw.
"""

from __future__ import annotations

import numpy as np

from models.landmarks import EYES, MOUTH_INNER

MOUTH_OUTER = list(range(48, 60))


def face_size(points: np.ndarray) -> float:
    """Width of the landmark cloud: the unit every mask distance is measured in."""
    return float(max(np.ptp(points[:, 0]), 1.0))


def hull(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """uint8 mask (0/255) of the convex hull of the landmarks."""
    import cv2

    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(points).astype(np.int32)), 255)
    return mask


def inner_hull(points: np.ndarray, shape: tuple[int, int], erode: float = 0.06) -> np.ndarray:
    """The face hull eroded by a fraction of the face width: the feathered edge stays inside the face."""
    import cv2

    k = max(3, int(erode * face_size(points)) * 2 + 1)
    return cv2.erode(hull(points, shape), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))


def mouth_interior(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """uint8 mask of the polygon inside the inner lips (empty when the mouth is closed)."""
    import cv2

    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(points[MOUTH_INNER]).astype(np.int32)], 255)
    return mask


def _polygon(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    import cv2

    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 255)
    return mask


def eye_interiors(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """uint8 mask of both eyes' polygons (the eyeball between the lids)."""
    import cv2

    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(points[eye]).astype(np.int32) for eye in EYES], 255)
    return mask


def kept_alpha(points: np.ndarray, shape: tuple[int, int], keep_eyes: bool = False,
               whole_mouth: bool = False) -> np.ndarray:
    """float32 0..1 over what stays the target's: the mouth interior (the whole mouth, lips included, when the
    source's own mouth is open: its teeth would be stretched over the target's lips), the eyeballs if asked."""
    import cv2

    mouth = _polygon(points[MOUTH_OUTER if whole_mouth else MOUTH_INNER], shape)
    kept = mouth | (eye_interiors(points, shape) if keep_eyes else 0)
    kept = cv2.GaussianBlur(kept.astype(np.float32) / 255, (0, 0), 0.008 * face_size(points) + 0.5)
    return np.clip(kept * 1.5, 0, 1)


def face_alpha(points: np.ndarray, shape: tuple[int, int], feather: float = 0.025) -> np.ndarray:
    """float32 alpha in 0..1: the eroded hull, feathered (what kept_alpha keeps is cut out by the caller)."""
    import cv2

    alpha = inner_hull(points, shape).astype(np.float32) / 255
    return cv2.GaussianBlur(alpha, (0, 0), feather * face_size(points))


def keep(blended: np.ndarray, region: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """The target's pixels back where `kept` says (a pyramid blend lets the face's low frequencies into a small
    hole such as the mouth)."""
    k = kept[..., None]
    return (k * region + (1 - k) * blended).astype(np.uint8)


def colour_transfer(src: np.ndarray, dst: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """src recoloured so its LAB mean and std inside `mask` match dst's (Reinhard et al. 2001)."""
    import cv2

    a = cv2.cvtColor(src.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    b = cv2.cvtColor(dst.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    ma, sa = (v.ravel() for v in cv2.meanStdDev(a, mask=mask))
    mb, sb = (v.ravel() for v in cv2.meanStdDev(b, mask=mask))
    # contrast may follow the target, chroma spread hardly: stretching it turns brown eyes blue
    ratio = np.clip((sb + 1e-6) / (sa + 1e-6), (0.6, 0.8, 0.8), (1.6, 1.15, 1.15)).astype(np.float32)
    out = cv2.cvtColor((a - ma.astype(np.float32)) * ratio + mb.astype(np.float32), cv2.COLOR_LAB2RGB)
    return np.clip(out * 255.0, 0, 255).astype(np.uint8)


def _low_pass(img: np.ndarray, sigma: float) -> np.ndarray:
    """A wide Gaussian blur done at reduced resolution (a full-size one with sigma 40 costs 100x more)."""
    import cv2

    h, w = img.shape[:2]
    f = max(1, int(sigma / 4))
    small = cv2.resize(img, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
    return cv2.resize(cv2.GaussianBlur(small, (0, 0), sigma / f), (w, h), interpolation=cv2.INTER_LINEAR)


def shading_match(src: np.ndarray, dst: np.ndarray, mask: np.ndarray, sigma: float) -> np.ndarray:
    """src with dst's low-frequency shading (light direction, falloff) inside `mask`; a normalised blur, so the
    mask's edge does not darken the estimate."""
    m = (mask > 0).astype(np.float32)
    weight = _low_pass(m, sigma)[..., None] + 1e-4
    low_src = _low_pass(src.astype(np.float32) * m[..., None], sigma) / weight
    low_dst = _low_pass(dst.astype(np.float32) * m[..., None], sigma) / weight
    gain = np.clip((low_dst + 1) / (low_src + 1), 0.6, 1.6)
    return np.clip(src * gain, 0, 255).astype(np.uint8)


def pyramid_blend(face: np.ndarray, region: np.ndarray, alpha: np.ndarray, levels: int = 4) -> np.ndarray:
    """Laplacian-pyramid blend (Burt & Adelson 1983): fine detail switches at the mask's edge, low frequencies
    over a wider band, so neither a hard edge nor a halo shows."""
    import cv2

    h, w = region.shape[:2]
    levels = max(1, min(levels, int(np.log2(max(min(h, w), 2) / 8))))
    a, b, m = face.astype(np.float32), region.astype(np.float32), alpha.astype(np.float32)
    out_stack = []
    for _ in range(levels):
        a_down, b_down, m_down = cv2.pyrDown(a), cv2.pyrDown(b), cv2.pyrDown(m)
        size = (a.shape[1], a.shape[0])
        la, lb = a - cv2.pyrUp(a_down, dstsize=size), b - cv2.pyrUp(b_down, dstsize=size)
        out_stack.append(m[..., None] * la + (1 - m[..., None]) * lb)
        a, b, m = a_down, b_down, m_down
    out = m[..., None] * a + (1 - m[..., None]) * b
    for lap in reversed(out_stack):
        out = cv2.pyrUp(out, dstsize=(lap.shape[1], lap.shape[0])) + lap
    return np.clip(out, 0, 255).astype(np.uint8)
