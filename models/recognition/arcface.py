"""InsightFace ArcFace R50 (buffalo_l w600k_r50.onnx): the 512-D identity that inswapper and SimSwap need."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from models.errors import ModelsError, WeightsMismatch
from models.types import Face
from models.weights import locate

CATALOG_NAME = "arcface_w600k_r50"


def insightface_face(face: Face):
    """insightface's Face record (bbox, kps, det_score) for one of ours; needs 5 landmarks."""
    from insightface.app.common import Face as IFace

    if face.landmarks is None:
        raise ModelsError("ArcFace alignment needs the face's 5 landmarks; the face finder gave none.")
    kps = np.asarray(face.landmarks, dtype=np.float32).reshape(5, 2)
    return IFace(bbox=np.asarray(face.box, np.float32), kps=kps, det_score=float(face.score))


class ArcFace:
    """512-D L2-normalised ArcFace embedding of a face (ArcFace 112x112 alignment on its 5 landmarks)."""

    name = "arcface"
    dim = 512

    def __init__(self, models_dir: Optional[Path] = None, *, path: Optional[Path] = None, providers=None) -> None:
        from insightface.model_zoo import get_model

        self.path = Path(path) if path is not None else locate(CATALOG_NAME, Path(models_dir))
        self.model = get_model(str(self.path), providers=providers)
        if self.model is None or getattr(self.model, "taskname", "") != "recognition":
            raise WeightsMismatch(f"{self.path} is not a face recognition model (insightface routed it elsewhere).")

    def embed(self, frame_rgb: np.ndarray, face: Face) -> np.ndarray:
        """(512,) unit-length embedding; insightface works on BGR images."""
        bgr = np.ascontiguousarray(frame_rgb[:, :, ::-1])
        feat = self.model.get(bgr, insightface_face(face)).astype(np.float32)
        return feat / max(float(np.linalg.norm(feat)), 1e-12)
