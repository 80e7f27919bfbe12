"""Face finders behind one protocol: RGB frames in, faces (largest first, ArcFace-order landmarks) out."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from models.errors import ModelsError
from models.faces.mtcnn import MtcnnFinder
from models.faces.scrfd import ScrfdFinder
from models.faces.yunet import YunetFinder
from models.types import Face


class FaceFinder(Protocol):
    """Finds faces in a batch of RGB frames; one list per frame, sorted by area descending."""

    name: str

    def detect(self, frames: list[np.ndarray]) -> list[list[Face]]: ...


FACE_FINDERS: dict[str, type] = {
    "scrfd": ScrfdFinder,
    "yunet": YunetFinder,
    "mtcnn": MtcnnFinder,
}
AUTO_ORDER = ("scrfd", "yunet", "mtcnn")  # best recall on small faces first; YuNet ships, so it is always there


class FaceFinderUnavailable(ModelsError):
    """The requested face finder cannot run here (weights or package missing)."""


def face_finder_status(models_dir: Path | None) -> dict[str, str | None]:
    """For every face finder: None when usable, else the reason it is not."""
    return {name: cls.unavailable(models_dir) for name, cls in FACE_FINDERS.items()}


def device_options(name: str, device) -> dict:
    """The constructor arguments that put a face finder on a models.device.Device (YuNet runs on OpenCV's CPU)."""
    if device is None:
        return {}
    return {"scrfd": {"providers": device.onnx_providers}, "mtcnn": {"device": device.tf_short}}.get(name, {})


def get_face_finder(name: str = "auto", models_dir: Path | None = None, device=None) -> FaceFinder:
    """Build a face finder by name on a device (None: CPU); "auto" picks SCRFD when downloaded, else the
    shipped YuNet, else mtcnn."""
    if name == "auto":
        status = face_finder_status(models_dir)
        name = next((n for n in AUTO_ORDER if status[n] is None), "mtcnn")
    if name not in FACE_FINDERS:
        raise FaceFinderUnavailable(
            f"Unknown face finder {name!r}; choose one of {', '.join(FACE_FINDERS)}."
        )
    reason = FACE_FINDERS[name].unavailable(models_dir)
    if reason:
        raise FaceFinderUnavailable(f"The face finder {name} cannot run: {reason}")
    return FACE_FINDERS[name](models_dir, **device_options(name, device))
