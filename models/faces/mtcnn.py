"""MTCNN (package `mtcnn`, weights inside its wheel, TensorFlow): the offline default face finder."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models.faces.base import Finder
from models.faces.crop import downscale, scaled_face, sort_faces
from models.types import Face


class MtcnnFinder(Finder):
    """MTCNN on frames downscaled to <= max_side, all frames of one size in one batched call."""

    name, packages = "mtcnn", ("mtcnn", "tensorflow")

    def __init__(self, models_dir: Path | None = None, *, max_side: int = 640, min_score: float = 0.9,
                 device: str = "CPU:0"):
        from mtcnn import MTCNN

        self.device = device  # TensorFlow's name: "GPU:0" when its CUDA build sees the GPU (models.device)
        self.model = MTCNN(device=device)
        self.max_side, self.min_score = max_side, min_score

    def detect(self, frames: list[np.ndarray]) -> list[list[Face]]:
        """Faces per RGB frame, largest first, landmarks in ArcFace order."""
        if not frames:
            return []
        small = [downscale(f, self.max_side) for f in frames]
        result: list[list[Face]] = [[] for _ in frames]
        for shape in {s.shape for s, _ in small}:
            idx = [i for i, (s, _) in enumerate(small) if s.shape == shape]
            rows = self.model.detect_faces(
                [small[i][0] for i in idx], box_format="xyxy", output_type="numpy"
            )
            for row in np.asarray(rows).reshape(-1, 16):
                i = idx[int(row[0])]
                if row[5] >= self.min_score:
                    marks = np.stack(
                        [row[6:11], row[11:16]], axis=1
                    )  # mtcnn stores 5 x then 5 y
                    result[i].append(scaled_face(row[1:5], row[5], marks, small[i][1]))
        return [sort_faces(faces) for faces in result]
