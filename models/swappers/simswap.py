"""SimSwap-style ONNX generators (inputs `target` (1,3,S,S) and `source` (1,512), output (1,3,S,S) RGB in 0..1).

Each model entry declares its crop size, alignment template and input normalisation, and optionally an
ONNX converter that maps a buffalo_l ArcFace embedding into the identity space the generator was trained on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from models.align import crop_mask, norm_crop, paste_back
from models.errors import ModelsError, WeightsMismatch
from models.recognition.arcface import ArcFace
from models.swappers.base import SourceIdentity, resolve
from models.types import Face

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class SimSwapOnnx:
    """Base class: subclasses set the model entry (weights, converter, size, template, mean, std)."""

    name = "simswap"
    model = ""  # catalog name of the generator
    converter: Optional[str] = None  # catalog name of the embedding converter, if the model needs one
    size = 256
    template = "arcface_v1"
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    packages = ("insightface", "onnxruntime")
    needs: tuple[str, ...] = ()

    def __init__(self, models_dir: Optional[Path] = None, *, files: Optional[dict[str, Path]] = None,
                 providers=None) -> None:
        self.paths = resolve(self.needs, models_dir, files)
        self.recogniser = ArcFace(path=self.paths["arcface_w600k_r50"], providers=providers)
        self.session = _session(self.paths[self.model], providers)
        self.convert = _session(self.paths[self.converter], providers) if self.converter else None
        _check_io(self.session, self.size, self.paths[self.model])
        self.mask = crop_mask(self.size, margin=0.1, blur=0.05)

    def prepare(self, source_rgb: np.ndarray, source_face: Face) -> SourceIdentity:
        """The source's ArcFace embedding, converted into the model's identity space and L2-normalised."""
        emb = self.recogniser.embed(source_rgb, source_face)[None].astype(np.float32)
        if self.convert is not None:
            emb = self.convert.run(None, {self.convert.get_inputs()[0].name: emb})[0].astype(np.float32)
        emb = emb[0] / max(float(np.linalg.norm(emb)), 1e-12)
        return SourceIdentity(image=source_rgb, face=source_face, embedding=emb)

    def swap(self, frame_rgb: np.ndarray, target_face: Face, identity: SourceIdentity) -> np.ndarray:
        """Align the target, run the generator, paste the result back with a feathered mask."""
        if target_face.landmarks is None:
            raise ModelsError("SimSwap needs the target face's 5 landmarks; the face finder gave none.")
        crop, M = norm_crop(frame_rgb, target_face.landmarks, self.size, self.template)
        blob = ((crop.astype(np.float32) / 255.0 - self.mean) / self.std).transpose(2, 0, 1)[None]
        feeds = {"target": blob.astype(np.float32), "source": identity.embedding[None].astype(np.float32)}
        out = self.session.run(None, feeds)[0][0].transpose(1, 2, 0)
        fake = np.clip(out * 255.0, 0, 255).astype(np.uint8)
        return paste_back(frame_rgb, fake, M, self.mask)


def _needs(cls: type) -> tuple[str, ...]:
    return tuple(n for n in (cls.model, "arcface_w600k_r50", cls.converter) if n)


def _session(path: Path, providers):
    import onnxruntime

    return onnxruntime.InferenceSession(str(path), providers=providers or onnxruntime.get_available_providers())


def _check_io(session, size: int, path: Path) -> None:
    """The generator must take `target` (1,3,size,size) and `source` (1,512)."""
    shapes = {i.name: i.shape for i in session.get_inputs()}
    if set(shapes) != {"target", "source"} or list(shapes["target"][2:]) != [size, size]:
        raise WeightsMismatch(f"{path} does not look like a {size}px SimSwap model (inputs: {shapes}).")


class SimSwap256(SimSwapOnnx):
    """SimSwap 256 (facefusion's export): ArcFace v1 template, ImageNet normalisation, embedding converter."""

    name = "simswap_256"
    model = "simswap_256"
    converter = "arcface_converter_simswap"
    size = 256
    template = "arcface_v1"
    mean, std = IMAGENET_MEAN, IMAGENET_STD


class SimSwap512(SimSwapOnnx):
    """SimSwap 512 (unofficial, facefusion's export): ArcFace v1 template, inputs in 0..1."""

    name = "simswap_512"
    model = "simswap_unofficial_512"
    converter = "arcface_converter_simswap"
    size = 512
    template = "arcface_v1"


for _cls in (SimSwap256, SimSwap512):
    _cls.needs = _needs(_cls)  # a class attribute, so status can be told without loading anything
