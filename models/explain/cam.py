"""Class-activation heatmaps: CAM for networks ending in global pooling + linear (the earlier projects' plot),
Grad-CAM for Keras models given a layer name, and an overlay of a heatmap on a face crop.
"""

from __future__ import annotations

from typing import Optional

import numpy as np


def normalise(heat: np.ndarray) -> np.ndarray:
    """Heatmap scaled to [0, 1] (all zeros when flat)."""
    heat = np.asarray(heat, dtype=np.float32)
    span = float(heat.max() - heat.min()) if heat.size else 0.0
    return (heat - heat.min()) / span if span > 0 else np.zeros_like(heat)


def cam(feature_map: np.ndarray, class_weights: np.ndarray, positive: bool = False) -> np.ndarray:
    """CAM (Zhou et al. 2016): weighted sum over channels of a (C, h, w) map with the class's (C,) weights, in [0, 1].

    With positive=True negative evidence is cut to zero before scaling; the earlier projects scaled min..max.
    """
    fmap = np.asarray(feature_map, dtype=np.float32)
    heat = np.tensordot(np.asarray(class_weights, dtype=np.float32), fmap, axes=(0, 0))
    return normalise(np.maximum(heat, 0) if positive else heat)


def gradcam_keras(model, layer_name: str, image: np.ndarray, class_index: Optional[int] = None) -> np.ndarray:
    """Grad-CAM (Selvaraju et al. 2017) of one preprocessed input (H, W, C) for a Keras model, in [0, 1].

    class_index None means the model's top output (for a single sigmoid output: that unit).
    """
    import keras
    import tensorflow as tf

    grad_model = keras.Model(model.inputs, [model.get_layer(layer_name).output, model.outputs[0]])
    x = tf.convert_to_tensor(np.asarray(image, dtype=np.float32)[None])
    with tf.GradientTape() as tape:
        fmap, out = grad_model(x, training=False)
        idx = int(tf.argmax(out[0])) if class_index is None else class_index
        target = out[:, idx]
    grads = tape.gradient(target, fmap)[0].numpy()
    weights = grads.mean(axis=(0, 1))
    heat = np.maximum(np.tensordot(fmap[0].numpy(), weights, axes=(2, 0)), 0)
    return normalise(heat)


def overlay(face_rgb: np.ndarray, heatmap: np.ndarray, alpha: float = 0.45) -> np.ndarray:
    """The face crop with the heatmap (resized, JET colours) blended over it: RGB uint8 of the crop's size."""
    import cv2

    h, w = face_rgb.shape[:2]
    heat = cv2.resize(normalise(heatmap), (w, h), interpolation=cv2.INTER_LINEAR)
    colour = cv2.applyColorMap(np.uint8(np.round(255 * heat)), cv2.COLORMAP_JET)[:, :, ::-1]
    out = (1 - alpha) * face_rgb[:, :, :3].astype(np.float32) + alpha * colour.astype(np.float32)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)
