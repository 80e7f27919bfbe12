"""MesoNet (Afchar et al., WIFS 2018): Meso4 and MesoInception4 in Keras 3, loading the upstream Keras-2 .h5 files.

Weights are assigned per layer type in upstream creation order (conv2d_1, conv2d_2, ... as Keras 2 numbered
them when the upstream code built the model), never by the file's topological order: in MesoInception4 the
3x3 and dilated 3x3 branches have identical shapes, so any other order swaps them silently.
The sigmoid is P(real) (upstream class folders in alphabetical order: df=0, real=1); score() returns P(fake).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from models.errors import WeightsMismatch
from models.weights import checked_sha256

INPUT_SIZE = 256
BATCH = 32  # every call runs on batches of exactly this size: one trace, no retracing


def h5_tensors(path: Path) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Weight tensors of a Keras-2 .h5 file by layer type, each list in creation order: type -> [(layer, array)]."""
    import h5py

    found: dict[str, list[tuple[int, str, list[np.ndarray]]]] = {}
    with h5py.File(path, "r") as fh:
        group = fh.get("model_weights", fh)
        for raw in group.attrs["layer_names"]:
            layer = raw.decode() if isinstance(raw, bytes) else str(raw)
            names = [
                n.decode() if isinstance(n, bytes) else n
                for n in group[layer].attrs["weight_names"]
            ]
            if names:
                kind, number = re.fullmatch(r"(.+?)_(\d+)", layer).groups()
                found.setdefault(kind, []).append(
                    (int(number), layer, [np.asarray(group[layer][n]) for n in names])
                )
    return {
        k: [(layer, ws) for _, layer, ws in sorted(v, key=lambda t: t[0])]
        for k, v in found.items()
    }


class _Builder:
    """Builds the graph while recording the weighted layers of each type in creation order."""

    def __init__(self):
        from keras import layers

        self.L, self.created = (
            layers,
            {"conv2d": [], "batch_normalization": [], "dense": []},
        )

    def add(self, kind: str, layer):
        self.created[kind].append(layer)
        return layer

    def conv(self, x, filters: int, k: int, dilation: int = 1):
        return self.add(
            "conv2d",
            self.L.Conv2D(
                filters, k, padding="same", activation="relu", dilation_rate=dilation
            ),
        )(x)

    def block(self, x, pool: int):
        x = self.add("batch_normalization", self.L.BatchNormalization(epsilon=1e-3))(x)
        return self.L.MaxPooling2D(pool_size=pool, padding="same")(x)

    def inception(self, x, a: int, b: int, c: int, d: int):
        """Upstream InceptionLayer: 1x1 | 1x1 -> 3x3 | 1x1 -> 3x3 dil 2 | 1x1 -> 3x3 dil 3, in that order."""
        x1 = self.conv(x, a, 1)
        x2 = self.conv(self.conv(x, b, 1), b, 3)
        x3 = self.conv(self.conv(x, c, 1), c, 3, dilation=2)
        x4 = self.conv(self.conv(x, d, 1), d, 3, dilation=3)
        return self.L.Concatenate(axis=-1)([x1, x2, x3, x4])

    def head(self, x):
        x = self.L.Dropout(0.5)(self.L.Flatten()(x))
        x = self.L.LeakyReLU(negative_slope=0.1)(self.add("dense", self.L.Dense(16))(x))
        return self.add("dense", self.L.Dense(1, activation="sigmoid"))(
            self.L.Dropout(0.5)(x)
        )


def build_meso4(b: _Builder):
    """Meso4: four conv blocks (8x3x3, 8x5x5, 16x5x5, 16x5x5), dense 16, sigmoid."""
    import keras

    inp = keras.Input((INPUT_SIZE, INPUT_SIZE, 3))
    x = b.block(b.conv(inp, 8, 3), 2)
    x = b.block(b.conv(x, 8, 5), 2)
    x = b.block(b.conv(x, 16, 5), 2)
    x = b.block(b.conv(x, 16, 5), 4)
    return keras.Model(inp, b.head(x))


def build_mesoinception4(b: _Builder):
    """MesoInception4: two inception modules (1,4,4,2) and (2,4,4,2), then Meso4's last two blocks."""
    import keras

    inp = keras.Input((INPUT_SIZE, INPUT_SIZE, 3))
    x = b.block(b.inception(inp, 1, 4, 4, 2), 2)
    x = b.block(b.inception(x, 2, 4, 4, 2), 2)
    x = b.block(b.conv(x, 16, 5), 2)
    x = b.block(b.conv(x, 16, 5), 4)
    return keras.Model(inp, b.head(x))


def assign_weights(created: dict[str, list], path: Path) -> dict[int, str]:
    """Copy every tensor of the .h5 into the layers of the same type and rank; returns id(layer) -> h5 layer name."""
    tensors, origin = h5_tensors(path), {}
    for kind, layers in created.items():
        stored = tensors.get(kind, [])
        if len(stored) != len(layers):
            raise WeightsMismatch(
                f"{path.name} holds {len(stored)} {kind} layers, the model has {len(layers)}."
            )
        for layer, (h5_name, arrays) in zip(layers, stored):
            shapes = [tuple(w.shape) for w in layer.get_weights()]
            if shapes != [a.shape for a in arrays]:
                raise WeightsMismatch(
                    f"{path.name}: {h5_name} has shapes {[a.shape for a in arrays]}, "
                    f"the model expects {shapes}."
                )
            layer.set_weights(arrays)
            origin[id(layer)] = h5_name
    return origin


class MesoNet:
    """A MesoNet frame classifier: score(crops) -> P(fake) per 256x256 RGB face crop."""

    input_size = INPUT_SIZE
    builder = staticmethod(build_meso4)
    architecture = "Meso4"

    def __init__(self, weights: Path, name: str | None = None):
        import tensorflow as tf

        b = _Builder()
        self.weights = Path(weights)
        self.name = name or self.weights.stem.lower()
        self.model = self.builder(b)
        self.h5_origin = assign_weights(b.created, self.weights)
        self.weights_sha256 = checked_sha256(self.weights)
        spec = tf.TensorSpec((BATCH, INPUT_SIZE, INPUT_SIZE, 3), tf.float32)
        self._forward = tf.function(
            lambda x: self.model(x, training=False), input_signature=[spec]
        )

    def raw(self, crops: np.ndarray) -> np.ndarray:
        """The network's sigmoid output (P(real)) for uint8 RGB crops, run in fixed-size padded batches."""
        x = _prepare(crops)
        out = []
        for start in range(0, len(x), BATCH):
            chunk = x[start : start + BATCH]
            padded = np.zeros((BATCH, INPUT_SIZE, INPUT_SIZE, 3), np.float32)
            padded[: len(chunk)] = chunk
            out.append(np.asarray(self._forward(padded)).reshape(-1)[: len(chunk)])
        return np.concatenate(out) if out else np.zeros((0,), np.float32)

    def score(self, crops: np.ndarray) -> np.ndarray:
        """P(fake) per crop (1 - the network's P(real))."""
        return (1.0 - self.raw(crops)).astype(np.float64)


class MesoInception4(MesoNet):
    """MesoInception4 (inception modules with dilated branches in place of the first two blocks)."""

    builder = staticmethod(build_mesoinception4)
    architecture = "MesoInception4"


class Meso4(MesoNet):
    """Meso4 (four plain conv blocks)."""


def _prepare(crops: np.ndarray) -> np.ndarray:
    """uint8 (N, S, S, 3) RGB -> float32 (N, 256, 256, 3) in [0, 1], resizing when S differs."""
    import cv2

    crops = np.asarray(crops)
    if crops.ndim == 3:
        crops = crops[None]
    if crops.shape[1:3] != (INPUT_SIZE, INPUT_SIZE):
        crops = np.stack(
            [
                cv2.resize(c, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_AREA)
                for c in crops
            ]
        )
    return crops.astype(np.float32) / 255.0
