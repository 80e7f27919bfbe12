"""LRNet's one-stream network: bidirectional GRU over landmarks, residual feed-forward block, 2-class softmax.

Module names mirror upstream (frederickszk/LRNet, utils/model.py) so its state dicts load with strict=True:
`hidden_state`, `gru.*`, `dense.1.fn.net.0.*`, `dense.1.fn.net.3.*`, `dense.3.*`. Class index 1 means fake.
"""

from __future__ import annotations

from pathlib import Path

from models.errors import WeightsMismatch


def _torch():
    import torch

    return torch


def _modules():
    """Module classes built on first use, so importing this file loads no torch."""
    torch = _torch()
    nn = torch.nn

    class Residual(nn.Module):
        """fn(x) + x."""

        def __init__(self, fn: nn.Module):
            super().__init__()
            self.fn = fn

        def forward(self, x):
            return self.fn(x) + x

    class FeedForward(nn.Module):
        """Linear -> ReLU -> Dropout -> Linear."""

        def __init__(self, dim: int, hidden: int, dropout: float):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, dim))

        def forward(self, x):
            return self.net(x)

    class LRNetStream(nn.Module):
        """One stream (g1 on positions or g2 on frame differences): (B, T, 136) -> (B, 2) softmax."""

        def __init__(self, features: int = 136, units: int = 32, dropout: float = 0.5, hidden: int = 64):
            super().__init__()
            self.hidden_state = nn.Parameter(torch.zeros(2, 1, units))
            self.gru = nn.GRU(features, units, num_layers=1, batch_first=True, bidirectional=True)
            self.dense = nn.Sequential(
                nn.Dropout(dropout), Residual(FeedForward(2 * units, hidden, dropout)),
                nn.Dropout(dropout), nn.Linear(2 * units, 2),
            )

        def forward(self, x):
            _, h = self.gru(x, self.hidden_state.repeat(1, x.shape[0], 1).contiguous())
            return torch.softmax(self.dense(torch.cat([h[0], h[1]], dim=1)), dim=1)

    return LRNetStream


def build_stream():
    """A fresh, randomly initialised LRNet stream (eval mode)."""
    return _modules()().eval()


def load_stream(path: Path, device: str = "cpu"):
    """An LRNet stream with the state dict at `path` loaded strictly on a torch device; WeightsMismatch otherwise."""
    torch = _torch()
    model = build_stream()
    state = torch.load(str(path), map_location="cpu", weights_only=True)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise WeightsMismatch(f"{Path(path).name} is not an LRNet stream state dict: {exc}") from exc
    return model.to(device).eval()
