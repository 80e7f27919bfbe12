"""Piecewise-affine warping over a Delaunay triangulation of the 68 landmarks.

The triangulation is computed on each target frame's points, so the triangles tile the target face without
folds whatever the pose (a triangulation of the frontal source folds over itself on a turned head and smears
the far cheek); the lips are held apart for it, so the topology around the mouth stays the same whether it is
open or closed. Triangles wholly inside the inner-lip ring are dropped: the mouth interior is taken from the
target frame, so the mouth opens and closes with the target.
"""

from __future__ import annotations

import numpy as np

from models.landmarks import MOUTH_INNER

_UPPER_INNER, _LOWER_INNER = [60, 61, 62, 63, 64], [65, 66, 67]


def triangles(points: np.ndarray) -> np.ndarray:
    """(T, 3) landmark indices of a triangulation that stays valid whether the mouth is open or closed."""
    from scipy.spatial import Delaunay

    p = np.asarray(points, dtype=np.float64).copy()
    gap = 0.04 * np.ptp(p[:, 1])
    p[_UPPER_INNER, 1] -= gap  # topology only: the warp itself uses the real points
    p[_LOWER_INNER, 1] += gap
    tris = Delaunay(p).simplices.astype(np.int32)
    inner = np.isin(tris, MOUTH_INNER).all(axis=1)
    return tris[~inner]


def piecewise_affine(src: np.ndarray, src_pts: np.ndarray, dst_pts: np.ndarray, tris: np.ndarray,
                     shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(warped, covered): `src` warped so that src_pts land on dst_pts, and the bool mask of pixels a triangle
    covers (outside it the warped image holds no face)."""
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
    return cv2.remap(src, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE), tri_id >= 0

