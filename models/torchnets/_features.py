"""Shared plumbing of the ImageNet feature extractors: preprocessing, batching, CAM inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from models.errors import WeightsMissing
from models.weights import package_file


def load_strict(net, path, layout: str):
    """The ImageNet weights file loaded into `net` strictly (eval mode); WeightsMismatch when it does not fit."""
    import torch

    from models.errors import WeightsMismatch

    try:
        net.load_state_dict(torch.load(str(path), map_location="cpu", weights_only=True), strict=True)
    except RuntimeError as exc:
        raise WeightsMismatch(f"{path.name} does not fit {layout}: {exc}") from exc
    return net.eval()


def to_tensor(crops: np.ndarray | Sequence[np.ndarray], size: int, mean: Sequence[float], std: Sequence[float]):
    """uint8 RGB crops (N, H, W, 3) -> float tensor (N, 3, size, size), resized (area/cubic) and normalised."""
    import cv2
    import torch

    out = []
    for crop in crops:
        crop = np.ascontiguousarray(crop[:, :, :3])
        interp = cv2.INTER_AREA if min(crop.shape[:2]) > size else cv2.INTER_CUBIC
        out.append(cv2.resize(crop, (size, size), interpolation=interp) if crop.shape[:2] != (size, size) else crop)
    x = (np.stack(out).astype(np.float32) - np.array(mean, np.float32)) / np.array(std, np.float32)
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


class TorchFeatures:
    """Base of a feature extractor on ImageNet weights shipped in a registry package.

    Subclasses set `size`, `mean`, `std` (in 0..255 pixel units), where the weights are (`package`, `weights_file`,
    `not_installed`), the `layout` they must fit, `network()` (the torch module with random weights) and the
    state-dict key of its ImageNet `classifier`."""

    name = ""
    dim = 0
    batch = 16
    device = "cpu"  # a torch device; to_device() moves the network there
    package = ""  # import name of the registry package that ships the weights
    weights_file = ""  # the file's path inside that package
    not_installed = ""  # what to install, said when the package is absent
    layout = ""  # the state-dict layout the file must fit, named when it does not
    classifier = ""  # state-dict key of the ImageNet classifier's weights

    def __init__(self, path: Optional[Path] = None, device: str = "cpu"):
        self.weights = Path(path) if path else self.weights_path()
        self.net = self.build(self.weights)
        self.to_device(device)

    @staticmethod
    def network():
        """The torch module with random weights (imports torch)."""
        raise NotImplementedError

    @classmethod
    def weights_path(cls) -> Path:
        """Path of the weights file inside the installed package; WeightsMissing when it is not installed."""
        return package_file(cls.package, cls.weights_file, cls.not_installed)

    @classmethod
    def build(cls, path: Optional[Path] = None):
        """The network with the package's ImageNet weights loaded strictly (eval mode)."""
        return load_strict(cls.network(), Path(path) if path else cls.weights_path(), cls.layout)

    @classmethod
    def unavailable(cls) -> Optional[str]:
        """None when the weights package is installed, else the reason."""
        try:
            cls.weights_path()
        except WeightsMissing as exc:
            return str(exc)
        return None

    def to_device(self, device: str) -> "TorchFeatures":
        """Run on `device` ("cuda:0" or "cpu"); inputs follow the network there."""
        self.device = device
        self.net.to(device)
        return self

    def _run(self, crops, fn) -> np.ndarray:
        import torch

        if len(crops) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        outs = []
        with torch.inference_mode():
            for start in range(0, len(crops), self.batch):
                x = to_tensor(crops[start:start + self.batch], self.size, self.mean, self.std).to(self.device)
                outs.append(fn(x).float().cpu().numpy())
        return np.concatenate(outs)

    def features(self, crops) -> np.ndarray:
        """(N, dim) float32: global-average-pooled last feature map of uint8 RGB crops (N, H, W, 3)."""
        return self._run(crops, lambda x: self.net.feature_map(x).mean(dim=(2, 3)))

    def logits(self, crops) -> np.ndarray:
        """(N, 1000) ImageNet logits (checks the weights; class indices as in torchvision)."""
        return self._run(crops, self.net)

    @property
    def classifier_weights(self) -> np.ndarray:
        """(1000, dim) weights of the ImageNet classifier (for CAM)."""
        return self.net.state_dict()[self.classifier].detach().cpu().numpy()

    def feature_maps(self, crops) -> np.ndarray:
        """(N, dim, h, w) last convolutional feature maps (for class-activation maps)."""
        return self._run(crops, self.net.feature_map)
