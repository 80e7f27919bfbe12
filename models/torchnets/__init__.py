"""PyTorch networks written by hand (torchvision is not a dependency) with torchvision's state-dict layouts."""

from __future__ import annotations

import importlib.util
from typing import Optional

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# Feature extractors on ImageNet weights that registry packages ship: name -> (module, class).
BACKBONES: dict[str, tuple[str, str]] = {
    "mobilenet_v2": ("models.torchnets.mobilenet_v2", "MobileNetV2Features"),
    "efficientnet_lite0": ("models.torchnets.efficientnet_lite0", "EfficientNetLite0Features"),
}


def backbone_status(name: str) -> Optional[str]:
    """None when the backbone's weights package is installed, else why it is unavailable."""
    module, cls = BACKBONES[name]
    return getattr(importlib.import_module(module), cls).unavailable()


def get_backbone(name: str, device: str = "cpu"):
    """A loaded feature extractor by name on a torch device (imports torch)."""
    module, cls = BACKBONES[name]
    return getattr(importlib.import_module(module), cls)(device=device)
