"""Face alignment: similarity transforms onto crop templates (ArcFace, FFHQ) and pasting a crop back."""

from __future__ import annotations

import numpy as np

# Five points (eyes, nose tip, mouth corners) of each template, as fractions of the crop side.
TEMPLATES: dict[str, np.ndarray] = {
    # insightface's arcface_dst / 112 (what face_align.norm_crop uses)
    "arcface": np.array([[0.34191607, 0.46157411], [0.65653393, 0.45983393], [0.50022500, 0.64050536],
                         [0.37097589, 0.82469196], [0.63151696, 0.82325089]], dtype=np.float32),
    # the older ArcFace template that SimSwap was trained with
    "arcface_v1": np.array([[0.35473214, 0.45658929], [0.64526786, 0.45658929], [0.50000000, 0.61154464],
                            [0.37913393, 0.77687500], [0.62086607, 0.77687500]], dtype=np.float32),
    # FFHQ alignment (as used by 512-px face models)
    "ffhq": np.array([[0.37691676, 0.46864664], [0.62285697, 0.46912813], [0.50123859, 0.61331904],
                      [0.39308822, 0.72541100], [0.61150205, 0.72490465]], dtype=np.float32),
}


def estimate_norm(landmarks: np.ndarray, size: int = 112, template: str = "arcface") -> np.ndarray:
    """2x3 similarity matrix mapping the 5 landmarks onto `template` in a size x size crop."""
    lmk = np.asarray(landmarks, dtype=np.float32).reshape(5, 2)
    if template == "arcface" and (size % 112 == 0 or size % 128 == 0):
        from insightface.utils import face_align

        return face_align.estimate_norm(lmk, size).astype(np.float32)
    from skimage.transform import SimilarityTransform

    tform = SimilarityTransform.from_estimate(lmk, TEMPLATES[template] * size)
    return np.asarray(tform.params[:2], dtype=np.float32)


def norm_crop(img: np.ndarray, landmarks: np.ndarray, size: int = 112, template: str = "arcface"):
    """(crop, M): the face warped onto the template, and the matrix that did it."""
    import cv2

    M = estimate_norm(landmarks, size, template)
    return cv2.warpAffine(img, M, (size, size), borderValue=0.0), M


def crop_mask(size: int, margin: float = 0.1, blur: float = 0.05) -> np.ndarray:
    """A feathered (size, size) float32 mask: 1 inside, fading to 0 at the crop border."""
    import cv2

    mask = np.zeros((size, size), np.float32)
    m = max(1, int(size * margin))
    mask[m:-m, m:-m] = 1.0
    k = max(3, int(size * blur) * 2 + 1)
    return cv2.GaussianBlur(mask, (k, k), 0)


def paste_back(frame: np.ndarray, crop: np.ndarray, M: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Warp `crop` back into `frame` with the inverse of M, blending by `mask` (only the face's region is touched)."""
    import cv2

    h, w = frame.shape[:2]
    size = crop.shape[0]
    corners = np.array([[0, 0], [size, 0], [0, size], [size, size]], np.float32)
    IM = cv2.invertAffineTransform(M)
    pts = corners @ IM[:, :2].T + IM[:, 2]
    x1, y1 = np.floor(pts.min(0)).astype(int).clip(0, [w, h])
    x2, y2 = np.ceil(pts.max(0)).astype(int).clip(0, [w, h])
    if x2 <= x1 or y2 <= y1:
        return frame
    IMr = IM.copy()
    IMr[:, 2] -= (x1, y1)
    roi = (x2 - x1, y2 - y1)
    warped = cv2.warpAffine(crop, IMr, roi, flags=cv2.INTER_LINEAR, borderValue=0.0).astype(np.float32)
    alpha = cv2.warpAffine(mask, IMr, roi, flags=cv2.INTER_LINEAR, borderValue=0.0)[..., None]
    out = frame.copy()
    region = out[y1:y2, x1:x2].astype(np.float32)
    out[y1:y2, x1:x2] = np.clip(alpha * warped + (1 - alpha) * region, 0, 255).astype(np.uint8)
    return out


def aligned_face(img: np.ndarray, points: np.ndarray, size: int = 384, template: str = "ffhq"):
    """(crop, points in the crop): the face upright on `template`, resampled to size x size.

    A small face (cut from a group photo) is upscaled with bicubic interpolation and a light unsharp mask,
    so that the swap is not pale and blurred; a large one is downscaled with area averaging.
    """
    import cv2

    from models.landmarks import five_from_68

    pts = np.asarray(points, dtype=np.float32)
    M = estimate_norm(five_from_68(pts), size, template)
    scale = float(np.hypot(M[0, 0], M[0, 1]))
    flags = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
    crop = cv2.warpAffine(img, M, (size, size), flags=flags, borderMode=cv2.BORDER_REFLECT)
    if scale > 1.5:
        crop = _unsharp(crop, sigma=min(scale, 4.0) * 0.5)
    return crop, pts @ M[:, :2].T + M[:, 2]


def _unsharp(img: np.ndarray, sigma: float, amount: float = 0.6) -> np.ndarray:
    """Restore some of the edge contrast lost by upscaling."""
    import cv2

    soft = cv2.GaussianBlur(img, (0, 0), sigma)
    return cv2.addWeighted(img, 1 + amount, soft, -amount, 0)
