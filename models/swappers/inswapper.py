"""InsightFace inswapper_128 through insightface's own INSwapper class; the source identity is a buffalo_l
ArcFace (w600k_r50) embedding, which INSwapper maps through the model's `emap` before the generator."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Optional

import numpy as np

from models.align import crop_mask, paste_back
from models.errors import WeightsMismatch
from models.recognition.arcface import ArcFace, insightface_face
from models.swappers.base import SourceIdentity, resolve
from models.types import Face


class InSwapper128:
    """128x128 identity-injection generator (ArcFace 128 alignment), pasted back with a feathered mask."""

    name = "inswapper_128"
    needs: tuple[str, ...] = ("inswapper_128", "arcface_w600k_r50")
    packages = ("insightface", "onnxruntime")

    def __init__(self, models_dir: Optional[Path] = None, *, files: Optional[dict[str, Path]] = None,
                 providers=None) -> None:
        from insightface.model_zoo import get_model
        from insightface.model_zoo.inswapper import INSwapper

        self.paths = resolve(self.needs, models_dir, files)
        self.recogniser = ArcFace(path=self.paths["arcface_w600k_r50"], providers=providers)
        with contextlib.redirect_stdout(io.StringIO()):  # INSwapper prints its input shape
            self.model = get_model(str(self.paths["inswapper_128"]), providers=providers)
        if not isinstance(self.model, INSwapper):
            raise WeightsMismatch(f"{self.paths['inswapper_128']} is not an inswapper model (inputs target, source).")
        self.mask = crop_mask(int(self.model.input_size[0]), margin=0.1, blur=0.05)

    def prepare(self, source_rgb: np.ndarray, source_face: Face) -> SourceIdentity:
        """The source's ArcFace embedding (computed once per job)."""
        embedding = self.recogniser.embed(source_rgb, source_face)
        return SourceIdentity(image=source_rgb, face=source_face, embedding=embedding)

    def swap(self, frame_rgb: np.ndarray, target_face: Face, identity: SourceIdentity) -> np.ndarray:
        """INSwapper.get on the BGR frame, pasted back only over the face's region."""
        source = insightface_face(identity.face)
        source.embedding = identity.embedding
        bgr = np.ascontiguousarray(frame_rgb[:, :, ::-1])
        fake_bgr, M = self.model.get(bgr, insightface_face(target_face), source, paste_back=False)
        return paste_back(frame_rgb, np.ascontiguousarray(fake_bgr[:, :, ::-1]), M, self.mask)
