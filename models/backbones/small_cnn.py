"""A tiny random-weight CNN: fast frame features for tests, never for a real detector."""

from __future__ import annotations

import numpy as np

from models.backbones.keras_apps import resize_batch


class SmallCNN:
    """Three seeded random convolutions, global-average-pooled: features(crops) -> (N, 64).

    The first layer's kernels are made zero-mean, so its units respond to local structure (edges, texture,
    blur) rather than to brightness; the features are only good enough to show that a head can learn.
    """

    name, dim, input_size, pretrained = "small_cnn", 64, 64, False

    def __init__(self, seed: int = 0, batch_size: int = 32):
        import keras

        init = keras.initializers.HeNormal(seed=seed)
        layers = keras.layers
        inputs = keras.Input((self.input_size, self.input_size, 3))
        x = layers.Rescaling(1 / 127.5, offset=-1.0)(inputs)
        for i, filters in enumerate((16, 32, 64)):
            x = layers.Conv2D(filters, 3, strides=2 if i < 2 else 1, activation="relu",
                              kernel_initializer=init, name=f"conv_{i}")(x)
        self.model = keras.Model(inputs, layers.GlobalAveragePooling2D()(x), name="small_cnn")
        first = self.model.get_layer("conv_0")
        kernel, bias = first.get_weights()
        first.set_weights([kernel - kernel.mean(axis=(0, 1, 2), keepdims=True), np.zeros_like(bias)])
        self.batch_size, self.identity = batch_size, f"small_cnn:random-seed{seed}"

    def features(self, crops: np.ndarray) -> np.ndarray:
        """Features of RGB uint8 crops (N, H, W, 3), in fixed-size batches."""
        out = np.zeros((len(crops), self.dim), np.float32)
        for start in range(0, len(crops), self.batch_size):
            part = resize_batch(crops[start : start + self.batch_size], self.input_size)
            n = len(part)
            if n < self.batch_size:
                part = np.concatenate([part, np.zeros((self.batch_size - n, *part.shape[1:]), np.float32)])
            out[start : start + n] = np.asarray(self.model.predict_on_batch(part))[:n]
        return out
