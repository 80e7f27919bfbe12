"""A swap with no downloaded weights, after dlib's 68 landmarks: the source face, aligned and upscaled once, is
warped triangle by triangle onto the landmarks of each target frame (so pose, mouth and expression follow the
target), recoloured to the target's skin and light, and blended through a Laplacian pyramid inside the eroded,
feathered face hull; the target's own mouth interior (teeth, tongue) is kept, so the mouth opens with it, and
the source's lids close with the target's, over its own lashes (eyelids.py), so the eyes blink with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from models.errors import NoFaceError
from models.landmarks import EYES, mouth_opening, with_forehead
from models.swappers.base import SourceIdentity
from models.swappers.blend import (
    colour_transfer,
    eye_interiors,
    face_alpha,
    face_size,
    inner_hull,
    keep,
    kept_alpha,
    mouth_interior,
    pyramid_blend,
    shading_match,
)
from models.swappers.eyelids import lids_closed, openings, shut_alpha
from models.swappers.occlusion import usable
from models.swappers.warp import piecewise_affine, triangles
from models.types import Face

# Landmarks that carry identity rather than expression: brows, nose, eyes (jaw and mouth follow the target).
_SHAPE_POINTS = list(range(17, 48))
_SHAPE_POINTS_NO_EYES = list(range(17, 36))
_EYE_POINTS = [p for eye in EYES for p in eye]
_STABLE_POINTS = [27, 28, 29, 30, 31, 35, 36, 39, 42, 45]
OPEN_MOUTH = 0.05  # a source mouth open wider than this shows teeth: the target's whole mouth is kept instead


class ClassicalSwapper:
    """Landmark warp + colour matching + pyramid blending; needs only dlib (no downloaded weights)."""

    name = "classical"
    needs: tuple[str, ...] = ()
    packages = ("dlib", "face_recognition_models")

    def __init__(self, models_dir: Optional[Path] = None, *, landmarker=None, source_size: int = 384,
                 shape_weight: float = 0.5, shading: float = 0.1, keep_eyes: bool = False) -> None:
        from models.landmarks import Dlib68

        self.landmarker = landmarker or Dlib68()
        self.source_size = source_size
        self.shape_weight = shape_weight  # 0: the target's face geometry; 1: the source's eyes, brows and nose
        self.shading = shading  # the target's light is matched above this scale (a fraction of the face width)
        self.keep_eyes = keep_eyes  # True: the target's eyeballs (gaze, blinks) stay; costs identity (measured)
        self.weights: dict[str, str] = {}

    def prepare(self, source_rgb: np.ndarray, source_face: Face) -> SourceIdentity:
        """The source face aligned upright and resampled to a fixed size, and its landmarks (forehead added)."""
        from models.align import aligned_face

        pts = self.landmarker.landmarks(source_rgb, source_face.box)
        if np.ptp(pts[:, 0]) < 16:
            raise NoFaceError("The face in the source photo is too small to be used (under 16 pixels wide).")
        crop, crop_pts = aligned_face(source_rgb, pts, self.source_size)
        crop_pts = with_forehead(crop_pts)
        rgba = np.dstack([crop, usable(crop, crop_pts)])  # the 4th channel is warped with the face
        return SourceIdentity(image=rgba, face=source_face, landmarks=crop_pts,
                              extra={"open_mouth": mouth_opening(crop_pts) > OPEN_MOUTH})

    def swap(self, frame_rgb: np.ndarray, target_face: Face, identity: SourceIdentity) -> np.ndarray:
        """The frame with the target face replaced by the source face."""
        pts = with_forehead(self.landmarker.landmarks(frame_rgb, target_face.box))
        roi = _roi(pts, frame_rgb.shape[:2])
        if roi is None:
            return frame_rgb
        x1, y1, x2, y2 = roi
        local = pts - (x1, y1)
        region = frame_rgb[y1:y2, x1:x2]
        moved = _SHAPE_POINTS_NO_EYES if self.keep_eyes else _SHAPE_POINTS
        dst = _destination(local, identity.landmarks, self.shape_weight, moved)
        warped, covered = piecewise_affine(identity.image, identity.landmarks, dst, triangles(dst), region.shape[:2])
        warped, usable_part = warped[..., :3], warped[..., 3].astype(np.float32) / 255
        face = self._match(np.where(covered[..., None], warped, region), region, local, self.shading)
        face = np.where(covered[..., None], face, region)  # identical outside the face: nothing to blend there
        shape = region.shape[:2]
        kept = kept_alpha(local, shape, self.keep_eyes, whole_mouth=identity.extra.get("open_mouth", False))
        if not self.keep_eyes:
            kept = np.maximum(kept, shut_alpha(local, shape, openings(local)))
        alpha = face_alpha(local, shape) * usable_part
        out = frame_rgb.copy()
        out[y1:y2, x1:x2] = keep(pyramid_blend(face, region, alpha * (1 - kept)), region, kept)
        return out

    @staticmethod
    def _match(face: np.ndarray, region: np.ndarray, points: np.ndarray, shading: float) -> np.ndarray:
        """The warped face in the target's colours (skin statistics) and light (low-frequency shading)."""
        shape = region.shape[:2]
        skin = inner_hull(points, shape) & ~mouth_interior(points, shape) & ~eye_interiors(points, shape)
        if not skin.any():
            return region
        face = colour_transfer(face, region, skin)
        return shading_match(face, region, skin, sigma=shading * face_size(points))


def _destination(target: np.ndarray, source: np.ndarray, weight: float, moved: list[int]) -> np.ndarray:
    """Where the source landmarks go: the target's, with eyes, brows and nose moved `weight` of the way toward
    the source's own proportions (similarity-aligned to the target), so more of the identity survives; then the
    lids close as far as the target's do (a blink, a squint; open eyes keep the mix), so the source's own open
    lids no longer hold a shut eye half open."""
    if weight <= 0:
        return target
    import cv2

    M, _ = cv2.estimateAffinePartial2D(source[_STABLE_POINTS], target[_STABLE_POINTS])
    if M is None:
        return target
    aligned = source @ M[:, :2].T + M[:, 2]
    out = target.copy()
    out[moved] = (1 - weight) * target[moved] + weight * aligned[moved]
    return lids_closed(out, openings(target)) if set(_EYE_POINTS) <= set(moved) else out


def _roi(points: np.ndarray, shape: tuple[int, int], margin: float = 0.15) -> Optional[tuple[int, int, int, int]]:
    """A box around the landmarks with a margin (room for the blend), clipped to the frame."""
    h, w = shape
    (x1, y1), (x2, y2) = points.min(0), points.max(0)
    mx, my = margin * (x2 - x1) + 4, margin * (y2 - y1) + 4
    box = (int(max(0, x1 - mx)), int(max(0, y1 - my)), int(min(w, x2 + mx)), int(min(h, y2 + my)))
    return box if box[2] - box[0] > 8 and box[3] - box[1] > 8 else None
