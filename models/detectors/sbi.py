"""The lab's own frame detector: ImageNet MobileNetV2 features with a head trained on self-blended images.

The first SPLIT blocks of torchvision's MobileNetV2 keep their ImageNet weights (training caches their output
once per view, which is what makes training fit on two CPU cores); a small convolutional head on their 12x12 map
is trained on real faces, their self-blended copies and public fakes. Weights are a
plain state dict, loaded strictly and checked by sha256; the model card JSON beside them says what it was trained
and measured on.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from models.errors import WeightsMismatch, WeightsMissing

SPLIT = 14  # MobileNetV2 features[:SPLIT] keep their ImageNet weights (frozen; training caches their output)
CROP_SIZE = 256  # the crop the pipeline cuts (margin 0.3), resized to NET_SIZE inside score()
NET_SIZE = 192
TRUNK_CHANNELS = 96


def _head():
    """The trained part: 1x1 expand, depthwise 3x3 stride 2, 1x1, global pool, one logit (about 11M MACs)."""
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(TRUNK_CHANNELS, 192, 1, bias=False), nn.BatchNorm2d(192), nn.ReLU6(inplace=True),
        nn.Conv2d(192, 192, 3, 2, 1, groups=192, bias=False), nn.BatchNorm2d(192), nn.ReLU6(inplace=True),
        nn.Conv2d(192, 256, 1, bias=False), nn.BatchNorm2d(256), nn.ReLU6(inplace=True),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(256, 1))


def build_net(imagenet: bool = True):
    """The frozen ImageNet trunk (MobileNetV2 features[:SPLIT]) and a fresh head, as one module."""
    from torch import nn

    from models.torchnets.mobilenet_v2 import MobileNetV2Features

    backbone = MobileNetV2Features.build() if imagenet else MobileNetV2Features.network()
    net = nn.Module()
    net.trunk = backbone.features[:SPLIT]
    net.head = _head()
    return net.eval()


def trunk(net, x):
    """The frozen ImageNet part: (N, 3, 192, 192) -> (N, 96, 12, 12)."""
    return net.trunk(x)


def trunk_fingerprint(net) -> str:
    """sha1 of the trunk's weights (computed once per network): equal only for the same frozen trunk."""
    import hashlib

    if not hasattr(net, "_trunk_sha1"):
        digest = hashlib.sha1()
        for tensor in net.trunk.state_dict().values():
            digest.update(tensor.detach().cpu().numpy().tobytes())
        net._trunk_sha1 = digest.hexdigest()
    return net._trunk_sha1


class TrunkCache:
    """The frozen trunk's output for the last few crop batches, keyed by their bytes.

    Every lab network shares the same ImageNet trunk weights, so when an ensemble scores one face pass with two of
    them, the trunk (the costly part) runs once. Only used at inference, where the trunk never changes.
    """

    def __init__(self, size: int = 8):
        self.size, self.items = size, {}

    def get(self, net, crops: np.ndarray, device: str = "cpu"):
        import hashlib

        import torch

        key = (trunk_fingerprint(net), hashlib.sha1(np.ascontiguousarray(crops).tobytes()).hexdigest(), device)
        if key not in self.items:
            with torch.inference_mode():
                self.items[key] = trunk(net, to_input(crops).to(device))
            while len(self.items) > self.size:
                self.items.pop(next(iter(self.items)))
        return self.items[key]


TRUNKS = TrunkCache()  # per process: the trunk weights are the same frozen ImageNet ones in every lab network


def top(net, h):
    """The trained part: cached trunk output -> one logit per crop."""
    return net.head(h)[:, 0]


def trained_parameters(net):
    return net.head.parameters()


def head_state(net) -> dict:
    """What a weights file holds: the trained head only ("head.*"); the frozen trunk comes from the ImageNet package."""
    return {f"head.{k}": v.detach().clone() for k, v in net.head.state_dict().items()}


def load_head(net, state: dict, filename: str) -> None:
    """The head's tensors loaded strictly; a file with anything else in it is refused."""
    from models.errors import WeightsMismatch

    extra = [k for k in state if not k.startswith("head.")]
    try:
        if extra:
            raise RuntimeError(f"unexpected keys {extra[:3]}")
        net.head.load_state_dict({k[5:]: v.float() for k, v in state.items()}, strict=True)
    except RuntimeError as exc:
        raise WeightsMismatch(f"{filename} does not fit the SBI head layout: {exc}") from exc


def to_input(crops: np.ndarray):
    """uint8 RGB crops (N, S, S, 3) -> normalised float tensor (N, 3, NET_SIZE, NET_SIZE), resized as in training."""
    from models.torchnets import IMAGENET_MEAN, IMAGENET_STD
    from models.torchnets._features import to_tensor

    return to_tensor(crops, NET_SIZE, [255 * m for m in IMAGENET_MEAN], [255 * s for s in IMAGENET_STD])


def card_path(weights: Path) -> Path:
    return Path(weights).with_suffix(".json")


class SbiDetector:
    """Scores face crops: uint8 (N, 256, 256, 3) -> P(fake) from the network's sigmoid (before calibration)."""

    input_size = CROP_SIZE
    batch = 32

    def __init__(self, weights: Path, name: str = "sbi_mobilenet_v2", device: str = "cpu"):
        import torch

        from models.weights import checked_sha256

        weights = Path(weights)
        if not weights.is_file():
            raise WeightsMissing(f"The detector {name} has no weights file at {weights}.")
        self.name, self.weights, self.device = name, weights, device
        self.weights_sha256 = checked_sha256(weights)
        self.card = json.loads(card_path(weights).read_text()) if card_path(weights).is_file() else {}
        expected = self.card.get("weights_sha256")
        if expected and expected != self.weights_sha256:
            raise WeightsMismatch(f"{weights.name} is not the file its model card describes (sha256 differs).")
        self.net = build_net()  # the frozen trunk: the ImageNet package's weights, loaded strictly
        load_head(self.net, torch.load(str(weights), map_location="cpu", weights_only=True), weights.name)
        self.net.to(device).eval()

    def logits(self, crops: np.ndarray) -> np.ndarray:
        import torch

        out = []
        with torch.inference_mode():
            for start in range(0, len(crops), self.batch):
                h = TRUNKS.get(self.net, crops[start:start + self.batch], self.device)
                out.append(top(self.net, h).float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros(0, np.float32)

    def score(self, crops: np.ndarray) -> np.ndarray:
        """P(fake) of each crop."""
        return 1.0 / (1.0 + np.exp(-self.logits(np.asarray(crops))))


def gradcam(detector: SbiDetector, crops) -> list[np.ndarray]:
    """Grad-CAM (Selvaraju et al. 2017) of each crop's fake logit over the trunk's 12x12 map, in [0, 1]."""
    import torch

    from models.explain.cam import normalise

    out = []
    for crop in crops:
        with torch.no_grad():
            h = trunk(detector.net, to_input(np.asarray(crop)[None]).to(detector.device))
        h.requires_grad_(True)
        top(detector.net, h).sum().backward()
        weights = h.grad[0].mean(dim=(1, 2))
        heat = torch.relu((h[0] * weights[:, None, None]).sum(0)).detach().cpu().numpy()
        out.append(normalise(heat))
    return out
