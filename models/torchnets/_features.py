"""Shared plumbing of the ImageNet feature extractors: preprocessing, batching, CAM inputs."""

from __future__ import annotations

from typing import Sequence

import numpy as np


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
    """Base of a feature extractor: subclasses set `net`, `size`, `mean`, `std` (in 0..255 pixel units)."""

    name = ""
    dim = 0
    batch = 16
    device = "cpu"  # a torch device; to_device() moves the network there

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

    def feature_maps(self, crops) -> np.ndarray:
        """(N, dim, h, w) last convolutional feature maps (for class-activation maps)."""
        return self._run(crops, self.net.feature_map)
