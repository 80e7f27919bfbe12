"""CNN features into a GRU: the SBI network's per-frame 256-D embedding, read in order by a bidirectional GRU.

The card's architecture (per-frame CNN features fed into a recurrent head) with an offline backbone: the CNN is the
lab's SBI network (ImageNet MobileNetV2 trunk + its trained convolutional head, without the last linear layer);
the GRU reads the embeddings of one person's face crops in time order and gives one P(fake) for the sequence.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models.detectors import sbi
from models.errors import WeightsMismatch, WeightsMissing

EMBED = 256


def build_gru():
    """Bidirectional GRU (256 -> 2x64), mean over time, one logit."""
    import torch
    from torch import nn

    class SequenceHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(EMBED, 64, batch_first=True, bidirectional=True)
            self.out = nn.Sequential(nn.Dropout(0.3), nn.Linear(128, 1))

        def forward(self, x):  # (B, T, 256) -> (B,)
            seq, _ = self.gru(x)
            return self.out(torch.mean(seq, dim=1))[:, 0]

    return SequenceHead()


def embed(net, h):
    """Cached trunk output (N, 96, 12, 12) -> the head's pooled 256-D embedding (before dropout and the logit)."""
    return net.head[:11](h)


class SbiGruDetector:
    """Scores one person's face crops as a sequence: every crop gets the sequence's P(fake)."""

    input_size = sbi.CROP_SIZE
    sequence_model = True  # one score per sequence: the per-frame timeline repeats it

    def __init__(self, weights: Path, name: str = "sbi_gru", device: str = "cpu"):
        import torch

        from models.weights import checked_sha256

        weights = Path(weights)
        if not weights.is_file():
            raise WeightsMissing(f"The detector {name} has no weights file at {weights}.")
        self.name, self.weights_sha256, self.device = name, checked_sha256(weights), device
        state = torch.load(str(weights), map_location="cpu", weights_only=True)
        self.net, self.gru = sbi.build_net(), build_gru()  # trunk from the ImageNet package, loaded strictly
        sbi.load_head(self.net, {k: v for k, v in state.items() if not k.startswith("gru.")}, weights.name)
        try:
            self.gru.load_state_dict({k[4:]: v for k, v in state.items() if k.startswith("gru.")}, strict=True)
        except RuntimeError as exc:
            raise WeightsMismatch(f"{weights.name} does not fit the SBI + GRU layout: {exc}") from exc
        self.net.to(device).eval()
        self.gru.to(device).eval()

    def score(self, crops: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            crops = np.asarray(crops)  # in the SBI detector's batches, so both share the cached trunk output
            feats = torch.cat([embed(self.net, sbi.TRUNKS.get(self.net, crops[i:i + 32], self.device))
                               for i in range(0, len(crops), 32)])
            p = torch.sigmoid(self.gru(feats[None]))[0].item()
        return np.full(len(crops), p)


def save(path: Path, net, gru) -> None:
    import torch

    state = sbi.head_state(net)  # the frozen trunk is the ImageNet package's: not stored again
    state.update({f"gru.{k}": v for k, v in gru.state_dict().items()})
    torch.save(state, path)
