"""Count the faces of a source photo in the web process (YuNet when present, else dlib's HOG), and hold the
request on the server, once, while its owner chooses which face to use."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path
from typing import Any, Optional

import numpy as np
from sqlalchemy import delete, select

from portal.db import PendingGeneration, User, utcnow
from portal.extensions import db
from portal.storage import app_storage

Box = tuple[float, float, float, float]
DETECT_SIDE = 1600  # faces are found on a copy no larger than this: a huge photo must not cost seconds of CPU
PENDING_TTL = timedelta(hours=24)


def find_faces(rgb: np.ndarray, models_dir: str) -> list[Box]:
    """Face boxes in the photo's own pixels, largest first; YuNet when its weights are in MODELS_DIR, else HOG."""
    from models.faces.yunet import YunetFinder

    small, scale = _shrunk(rgb)
    if YunetFinder.unavailable(Path(models_dir)) is None:
        boxes = [f.box for f in YunetFinder(Path(models_dir)).detect([small])[0]]
    else:
        boxes = _hog(small)
    return [tuple(float(v) / scale for v in box) for box in boxes]


def _shrunk(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """The photo with its longer side at most DETECT_SIDE, and the scale applied."""
    import cv2

    scale = min(1.0, DETECT_SIDE / max(rgb.shape[:2]))
    if scale >= 1.0:
        return rgb, 1.0
    return cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), scale


def hold(user: User, pending: dict[str, Any]) -> int:
    """Keep a request awaiting its face choice on the server (committed); returns the id the session carries.
    The user's earlier unfinished choice, and anyone's expired one, are dropped."""
    db.session.execute(delete(PendingGeneration).where(
        (PendingGeneration.user_id == user.id) | (PendingGeneration.created_at < utcnow() - PENDING_TTL)))
    row = PendingGeneration(user_id=user.id, data=pending)
    db.session.add(row)
    db.session.commit()
    return row.id


def peek(user: User, pending_id: int) -> Optional[dict[str, Any]]:
    """The held request of this user, or None (someone else's, expired, or already used)."""
    row = db.session.execute(select(PendingGeneration).where(
        PendingGeneration.id == pending_id, PendingGeneration.user_id == user.id,
        PendingGeneration.created_at >= utcnow() - PENDING_TTL)).scalar_one_or_none()
    return dict(row.data) if row is not None else None


def take(user: User, pending_id: int) -> Optional[dict[str, Any]]:
    """Use a held request once: delete its row (committed) and return it; None when it was already taken.
    Its files are released: unless the job made from it commits, they leave the store with this request."""

    from portal.jobs.uploads import release

    data = peek(user, pending_id)
    taken = db.session.execute(delete(PendingGeneration).where(
        PendingGeneration.id == pending_id, PendingGeneration.user_id == user.id)).rowcount
    db.session.commit()
    if data is None or taken != 1:  # a replay racing this one took it first
        return None
    keys = [data[role]["key"] for role in ("source", "target", "reference", "evidence") if data.get(role)]
    release(app_storage(), keys)
    return data


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
