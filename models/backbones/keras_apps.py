"""Keras ImageNet applications as frame feature extractors (global-average-pooled, no top)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Optional

import numpy as np

from models.catalog import CATALOG


@dataclass(frozen=True)
class KerasApp:
    """One Keras application: constructor, preprocess module, input side, feature size, hash of its notop file.

    Where the file lives and comes from, and its licence, are its catalog entry's (`keras_<name>`)."""

    name: str
    constructor: str  # attribute of keras.applications
    module: str  # keras.applications.<module>.preprocess_input
    input_size: int
    dim: int
    md5: str  # the hash Keras itself checks (keras/src/applications/*.py); upstream publishes no sha256

    @property
    def catalog_name(self) -> str:
        return f"keras_{self.name}"

    @property
    def url(self) -> str:
        return CATALOG[self.catalog_name].url or ""

    @property
    def file(self) -> str:
        """The notop file's name, as Keras' own cache names it."""
        return PurePosixPath(CATALOG[self.catalog_name].path).name


KERAS_APPS: dict[str, KerasApp] = {a.name: a for a in [
    KerasApp("densenet169", "DenseNet169", "densenet", 224, 1664, "b8c4d4c20dd625c148057b9ff1c1176b"),
    KerasApp("resnet101v2", "ResNet101V2", "resnet_v2", 224, 2048, "c0ed64b8031c3730f411d2eb4eea35b5"),
    KerasApp("resnet50", "ResNet50", "resnet", 224, 2048, "4d473c1dd8becc155b73f8504c6f6626"),
    KerasApp("inceptionv3", "InceptionV3", "inception_v3", 299, 2048, "bcbd6486424b2319ff4ef7d526e38f63"),
    KerasApp("inceptionresnetv2", "InceptionResNetV2", "inception_resnet_v2", 299, 1536,
             "d19885ff4a710c122648d3b5c3b684e4"),
]}


@lru_cache(maxsize=64)
def _md5(path: str, mtime: float, size: int) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def md5_file(path: Path) -> str:
    """Hex md5 of a file (the hash Keras publishes for its weights), cached by (path, mtime, size)."""
    st = Path(path).stat()
    return _md5(str(path), st.st_mtime, st.st_size)


def resize_batch(crops: np.ndarray, side: int) -> np.ndarray:
    """Resize uint8 crops (N, H, W, 3) to (N, side, side, 3) float32."""
    import cv2

    if crops.shape[1:3] == (side, side):
        return crops.astype(np.float32)
    out = [cv2.resize(c, (side, side), interpolation=cv2.INTER_AREA) for c in crops]
    return np.stack(out).astype(np.float32)


class KerasBackbone:
    """A Keras application, global-average-pooled: features(crops uint8 (N, H, W, 3)) -> (N, dim) float32."""

    def __init__(self, app: KerasApp, weights: Optional[Path], batch_size: int = 32, seed: int = 0):
        import keras

        self.name, self.dim, self.input_size, self.batch_size = app.name, app.dim, app.input_size, batch_size
        self.pretrained = weights is not None
        self.identity = f"{app.name}:{'imagenet-' + app.md5[:12] if weights else f'random-seed{seed}'}"
        if weights is None:
            keras.utils.set_random_seed(seed)  # a random backbone must give the same features every load
        build = getattr(keras.applications, app.constructor)
        self.model = build(include_top=False, weights=None, pooling="avg",
                           input_shape=(app.input_size, app.input_size, 3))
        if weights is not None:
            self.model.load_weights(str(weights))
        self._preprocess = getattr(keras.applications, app.module).preprocess_input

    def features(self, crops: np.ndarray) -> np.ndarray:
        """ImageNet features of RGB uint8 crops; batches padded to a multiple of 8 (few shapes to trace)."""
        out = np.zeros((len(crops), self.dim), np.float32)
        for start in range(0, len(crops), self.batch_size):
            part = self._preprocess(resize_batch(crops[start : start + self.batch_size], self.input_size))
            n = len(part)
            if n % 8:
                part = np.concatenate([part, np.zeros((8 - n % 8, *part.shape[1:]), np.float32)])
            out[start : start + n] = np.asarray(self.model.predict_on_batch(part))[:n]
        return out
