"""OpenCV YuNet (cv2.FaceDetectorYN): MODELS_DIR/yunet/*.onnx, else the copy shipped in models/builtin (MIT)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models.faces.base import Finder
from models.faces.crop import scaled_face, sort_faces, to_working_size
from models.types import Face
from models.weights import locate


class YunetFinder(Finder):
    """YuNet with 5 keypoints (right eye, left eye, nose, mouth corners: image-left first, as ArcFace)."""

    name, packages = "yunet", ("cv2",)

    @classmethod
    def weights_file(cls, models_dir: Path | None) -> Path:
        """The verified YuNet file: MODELS_DIR's, else the shipped copy."""
        return locate("yunet", models_dir)

    @classmethod
    def runtime_missing(cls) -> str | None:
        if reason := super().runtime_missing():
            return reason
        import cv2

        return None if hasattr(cv2, "FaceDetectorYN") else "this OpenCV build has no FaceDetectorYN"

    def __init__(self, models_dir: Path | None = None, *, max_side: int = 640, min_side: int = 480,
                 min_score: float = 0.7):
        import cv2

        self.weights = self.weights_file(models_dir)
        self.model = cv2.FaceDetectorYN.create(str(self.weights), "", (320, 320), min_score, 0.3, 5000)
        self.max_side, self.min_side = max_side, min_side  # YuNet misses faces under ~20 px: small frames grow

    def detect(self, frames: list[np.ndarray]) -> list[list[Face]]:
        """Faces per RGB frame, largest first, landmarks in ArcFace order."""
        out = []
        for frame in frames:
            small, factor = to_working_size(frame, self.max_side, self.min_side)
            self.model.setInputSize((small.shape[1], small.shape[0]))
            _, rows = self.model.detect(np.ascontiguousarray(small[:, :, ::-1]))
            faces = []
            for r in rows if rows is not None else []:
                box = (r[0], r[1], r[0] + r[2], r[1] + r[3])
                faces.append(scaled_face(box, r[14], r[4:14], factor))
            out.append(sort_faces(faces))
        return out
