"""A swap with no downloaded weights: piecewise-affine warp on dlib's 68 landmarks, LAB colour transfer,
Poisson blending (cv2.seamlessClone) and a feathered convex-hull mask.

The source face is warped triangle by triangle onto the target's landmarks, so the target's pose and
expression are followed as far as 68 landmarks describe them (not teeth, not the inside of the mouth).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from models.errors import NoFaceError
from models.swappers.base import SourceIdentity
from models.types import Face


def triangles(points: np.ndarray) -> np.ndarray:
    """(T, 3) Delaunay triangles (indices) over the landmarks."""
    from scipy.spatial import Delaunay

    return Delaunay(points).simplices.astype(np.int32)


def piecewise_affine(src: np.ndarray, src_pts: np.ndarray, dst_pts: np.ndarray, tris: np.ndarray,
                     shape: tuple[int, int]) -> np.ndarray:
    """Warp `src` so that src_pts land on dst_pts (both in their own image coordinates); one remap."""
    import cv2

    h, w = shape
    tri_id = np.full((h, w), -1, np.int32)
    inv = np.zeros((len(tris), 2, 3), np.float32)
    for k, t in enumerate(tris):
        inv[k] = cv2.getAffineTransform(dst_pts[t].astype(np.float32), src_pts[t].astype(np.float32))
        cv2.fillConvexPoly(tri_id, np.round(dst_pts[t]).astype(np.int32), int(k))
    ys, xs = np.nonzero(tri_id >= 0)
    A = inv[tri_id[ys, xs]]
    map_x = np.full((h, w), -1.0, np.float32)
    map_y = np.full((h, w), -1.0, np.float32)
    map_x[ys, xs] = A[:, 0, 0] * xs + A[:, 0, 1] * ys + A[:, 0, 2]
    map_y[ys, xs] = A[:, 1, 0] * xs + A[:, 1, 1] * ys + A[:, 1, 2]
    return cv2.remap(src, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def colour_transfer(src: np.ndarray, dst: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """src recoloured so its LAB mean and std inside `mask` match dst's (Reinhard et al. 2001)."""
    import cv2

    inside = mask > 0
    a = cv2.cvtColor(src.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    b = cv2.cvtColor(dst.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    ma, sa = a[inside].mean(0), a[inside].std(0) + 1e-6
    mb, sb = b[inside].mean(0), b[inside].std(0) + 1e-6
    ratio = np.clip(sb / sa, 0.33, 3.0)  # a grey or flat source must not amplify its noise
    out = cv2.cvtColor(((a - ma) * ratio + mb).astype(np.float32), cv2.COLOR_LAB2RGB)
    return np.clip(out * 255.0, 0, 255).astype(np.uint8)


def hull_mask(points: np.ndarray, shape: tuple[int, int], shrink: float = 0.04) -> np.ndarray:
    """uint8 mask (0/255) of the landmarks' convex hull, eroded by a fraction of the face size."""
    import cv2

    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(points).astype(np.int32)), 255)
    k = max(1, int(shrink * np.ptp(points[:, 0])))
    mask = cv2.erode(mask, np.ones((k, k), np.uint8))
    mask[[0, -1], :] = 0  # seamlessClone needs a margin inside the region
    mask[:, [0, -1]] = 0
    return mask


class ClassicalSwapper:
    """Landmark warp + colour transfer + seamless blending; needs only dlib (no downloaded weights)."""

    name = "classical"
    needs: tuple[str, ...] = ()
    packages = ("dlib", "face_recognition_models")

    def __init__(self, models_dir: Optional[Path] = None, *, landmarker=None, feather: float = 0.06) -> None:
        from models.landmarks import Dlib68

        self.landmarker = landmarker or Dlib68()
        self.feather = feather
        self.weights: dict[str, str] = {}

    def prepare(self, source_rgb: np.ndarray, source_face: Face) -> SourceIdentity:
        """68 source landmarks and their triangulation, computed once per job."""
        pts = self.landmarker.landmarks(source_rgb, source_face.box)
        if np.ptp(pts[:, 0]) < 8:
            raise NoFaceError("The face in the source photo is too small to be used.")
        return SourceIdentity(image=source_rgb, face=source_face, landmarks=pts, extra={"triangles": triangles(pts)})

    def swap(self, frame_rgb: np.ndarray, target_face: Face, identity: SourceIdentity) -> np.ndarray:
        """The frame with the target face replaced by the source face."""
        pts = self.landmarker.landmarks(frame_rgb, target_face.box)
        roi = _roi(pts, frame_rgb.shape[:2])
        if roi is None:
            return frame_rgb
        x1, y1, x2, y2 = roi
        local = pts - (x1, y1)
        region = frame_rgb[y1:y2, x1:x2]
        warped = piecewise_affine(identity.image, identity.landmarks, local, identity.extra["triangles"],
                                  region.shape[:2])
        mask = hull_mask(local, region.shape[:2])
        if mask.sum() == 0:
            return frame_rgb
        blended = self._blend(colour_transfer(warped, region, mask), region, mask)
        out = frame_rgb.copy()
        out[y1:y2, x1:x2] = blended
        return out

    def _blend(self, face: np.ndarray, region: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Poisson blending inside the mask, then a feathered alpha edge so no seam shows."""
        import cv2

        bx, by, bw, bh = cv2.boundingRect(mask)
        # OpenCV 5.0's seamlessClone writes into its mask argument: give it a copy
        clone = cv2.seamlessClone(face, region, mask.copy(), (bx + bw // 2, by + bh // 2), cv2.NORMAL_CLONE)
        k = max(3, int(self.feather * bw) * 2 + 1)
        alpha = cv2.GaussianBlur(cv2.erode(mask, np.ones((k // 2 + 1,) * 2, np.uint8)), (k, k), 0)
        alpha = (alpha.astype(np.float32) / 255.0)[..., None]
        return np.clip(alpha * clone + (1 - alpha) * region, 0, 255).astype(np.uint8)


def _roi(points: np.ndarray, shape: tuple[int, int], margin: float = 0.15) -> Optional[tuple[int, int, int, int]]:
    """A box around the landmarks with a margin (room for seamlessClone), clipped to the frame."""
    h, w = shape
    (x1, y1), (x2, y2) = points.min(0), points.max(0)
    mx, my = margin * (x2 - x1) + 4, margin * (y2 - y1) + 4
    box = (int(max(0, x1 - mx)), int(max(0, y1 - my)), int(min(w, x2 + mx)), int(min(h, y2 + my)))
    return box if box[2] - box[0] > 8 and box[3] - box[1] > 8 else None
