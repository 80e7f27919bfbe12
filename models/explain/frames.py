"""Heatmaps of a frame detector's P(fake) over the face thumbnails of its verdict, as RGB overlays."""

from __future__ import annotations

import numpy as np

from models.explain.cam import gradcam_keras, overlay


class FrameExplainer:
    """Grad-CAM for a frame detector: the SBI network's own, or Keras Grad-CAM of P(fake) (MesoNet)."""

    def __init__(self, detector):
        self.detector = detector
        self._fake = None  # (Keras model of P(fake), its last convolutional layer), built on first use

    def overlays(self, thumbnails: list[np.ndarray]) -> list[np.ndarray]:
        """One overlay per thumbnail (upscaled to the model's input); [] when there is no network to explain
        (the blend-consistency measurements)."""
        import cv2

        from models.detectors.sbi import SbiDetector, gradcam

        if isinstance(self.detector, SbiDetector):
            return [overlay(thumb, cam) for thumb, cam in zip(thumbnails, gradcam(self.detector, thumbnails))]
        if not hasattr(self.detector, "model"):
            return []
        model, layer = self._fake_model()
        size = self.detector.input_size
        out = []
        for thumb in thumbnails:
            x = cv2.resize(thumb, (size, size), interpolation=cv2.INTER_CUBIC).astype("float32") / 255.0
            out.append(overlay(thumb, gradcam_keras(model, layer, x)))
        return out

    def _fake_model(self):
        """MesoNet's sigmoid is P(real); Grad-CAM must follow P(fake) = 1 - output, so wrap the graph once."""
        if self._fake is None:
            import keras

            base = self.detector.model
            fake = keras.Model(base.inputs, keras.ops.subtract(1.0, base.outputs[0]))
            self._fake = (fake, [lyr.name for lyr in base.layers if "conv" in lyr.name][-1])
        return self._fake
