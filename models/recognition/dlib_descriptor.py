"""dlib's 128-D face descriptor (ResNet, LFW 99.38%): euclidean distance below 0.6 means the same person."""

from __future__ import annotations

import numpy as np

from models.landmarks.dlib68 import dlib_model_path, to_rectangle
from models.types import Face

SAME_PERSON = 0.6


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two descriptors (dlib: < 0.6 same person)."""
    return float(np.linalg.norm(np.asarray(a, np.float32) - np.asarray(b, np.float32)))


class DlibDescriptor:
    """128-D descriptor of a detected face (aligned by dlib's 5-point predictor)."""

    name = "dlib"
    dim = 128

    def __init__(self) -> None:
        import dlib

        self._shape = dlib.shape_predictor(str(dlib_model_path("shape_predictor_5_face_landmarks.dat")))
        self._net = dlib.face_recognition_model_v1(str(dlib_model_path("dlib_face_recognition_resnet_model_v1.dat")))

    def embed(self, frame_rgb: np.ndarray, face: Face) -> np.ndarray:
        """(128,) float32 descriptor of `face` in the RGB frame."""
        img = np.ascontiguousarray(frame_rgb)
        shape = self._shape(img, to_rectangle(face.box))
        return np.array(self._net.compute_face_descriptor(img, shape), dtype=np.float32)
