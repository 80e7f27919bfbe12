"""Count the faces of a source photo in the web process (OpenCV only: YuNet when present, else Haar)."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np

Box = tuple[float, float, float, float]


def find_faces(rgb: np.ndarray, models_dir: str) -> list[Box]:
    """Face boxes, largest first; YuNet when its weights are in MODELS_DIR, else dlib's HOG detector."""
    from models.faces.yunet import YunetFinder

    if YunetFinder.unavailable(Path(models_dir)) is None:
        return [f.box for f in YunetFinder(Path(models_dir)).detect([rgb])[0]]
    return _hog(rgb)


def _hog(rgb: np.ndarray) -> list[Box]:
    """dlib's HOG face detector: built into dlib (no weights file), light enough for a web request."""
    import dlib

    found = dlib.get_frontal_face_detector()(np.ascontiguousarray(rgb), 1)
    boxes = [(float(r.left()), float(r.top()), float(r.right()), float(r.bottom())) for r in found]
    return sorted(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)


def numbered_preview(rgb: np.ndarray, boxes: list[Box], width: int = 720) -> str:
    """A data: URL of the photo with each face boxed and numbered 1..N (largest first)."""
    import cv2

    scale = min(1.0, width / rgb.shape[1])
    img = cv2.resize(rgb, None, fx=scale, fy=scale) if scale < 1 else rgb.copy()
    for number, (x1, y1, x2, y2) in enumerate(boxes, start=1):
        p1, p2 = (int(x1 * scale), int(y1 * scale)), (int(x2 * scale), int(y2 * scale))
        cv2.rectangle(img, p1, p2, (255, 200, 0), 2)
        cv2.putText(img, str(number), (p1[0] + 4, p1[1] + 22), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 200, 0), 2)
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    return "data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode()
