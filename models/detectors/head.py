"""A head the lab trained (`flask detector train`) on backbone features of N sampled face crops, as a detector."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from models.types import Backbone


class HeadDetector:
    """A saved Keras head (GRU, LSTM or frame average) over the features of the backbone it was trained on."""

    def __init__(self, model_file: Path, backbone: Backbone, *, name: str, weights_sha256: str, frames: int = 20):
        import keras

        self.model = keras.models.load_model(model_file)  # Keras 3 chooses the format by the file's extension
        self.backbone, self.name, self.weights_sha256, self.frames = backbone, name, weights_sha256, frames

    @property
    def input_size(self) -> int:
        return self.backbone.input_size

    def score(self, crops: np.ndarray, mask: np.ndarray) -> tuple[float, Optional[np.ndarray]]:
        """P(fake) of the sequence of `frames` crops (mask: which hold a face), and per-frame P(fake) when the
        head scores frames (None: a sequence head has one score for the clip)."""
        from models.training.evaluate import predict

        feats = np.zeros((self.frames, self.backbone.dim), np.float32)
        feats[mask] = self.backbone.features(crops[mask])
        video, frames = predict(self.model, feats[None], mask[None])
        return float(video[0]), None if frames is None else frames[0]
