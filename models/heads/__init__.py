"""Classifier heads over cached frame features, by preset name (the lab's earlier architectures).

A preset is a plain config dict for `models.heads.recurrent.build_head`; every head maps
(features (T, D), mask (T,)) to P(fake). Nothing heavy is imported here.
"""

from __future__ import annotations

from typing import Any, Optional

from models.heads.recurrent import Config, build_head, frame_model

_GRU_TAIL = {"dropout": 0.4, "dense": [8], "activation": "relu"}

PRESETS: dict[str, Config] = {
    "densenet169_gru": {"kind": "gru", "backbone": "densenet169", "frames": 20, "dim": 1664, "units": [16, 8],
                        **_GRU_TAIL},
    "resnet101v2_gru": {"kind": "gru", "backbone": "resnet101v2", "frames": 20, "dim": 2048, "units": [16, 8],
                        **_GRU_TAIL},
    "densenet169_lstm": {"kind": "lstm", "backbone": "densenet169", "frames": 20, "dim": 1664, "units": [16, 8],
                         **_GRU_TAIL},
    "resnet101v2_lstm": {"kind": "lstm", "backbone": "resnet101v2", "frames": 20, "dim": 2048, "units": [16, 8],
                         **_GRU_TAIL},
    "resnet50_lstm": {"kind": "lstm", "backbone": "resnet50", "frames": 20, "dim": 2048, "units": [2048],
                      "activation_after_recurrent": "leaky_relu", "dropout": 0.4, "dense": [2048],
                      "activation": "leaky_relu"},
    "inceptionv3_frames": {"kind": "frame_average", "backbone": "inceptionv3", "frames": 20, "dim": 2048,
                           "dense": [1024], "activation": "relu", "dropout": 0.5, "dropout_first": False},
    "inceptionresnetv2_frames": {"kind": "frame_average", "backbone": "inceptionresnetv2", "frames": 20,
                                 "dim": 1536, "dense": [1024], "activation": "relu", "dropout": 0.5,
                                 "dropout_first": False},
}


def head_config(preset: str, *, frames: Optional[int] = None, dim: Optional[int] = None,
                backbone: Optional[str] = None, **overrides: Any) -> Config:
    """A copy of a preset with its name, optionally for another frame count or feature size."""
    if preset not in PRESETS:
        raise KeyError(f"Unknown head preset {preset!r}; known: {', '.join(PRESETS)}.")
    config = {**PRESETS[preset], "name": preset, **overrides}
    for key, value in (("frames", frames), ("dim", dim), ("backbone", backbone)):
        if value is not None:
            config[key] = value
    return config


__all__ = ["PRESETS", "head_config", "build_head", "frame_model"]
