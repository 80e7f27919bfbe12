"""Link the faces of sampled frames into tracks, one per person, by the overlap of their boxes."""

from __future__ import annotations

from dataclasses import dataclass, field

from models.smoothing import iou
from models.types import Face

MIN_IOU = 0.2  # sampled frames lie a fraction of a second apart: the same person's boxes still overlap


@dataclass
class Track:
    """One person: the sampled-frame positions where the face was found, and those faces."""

    id: int
    frames: list[int] = field(default_factory=list)
    faces: list[Face] = field(default_factory=list)

    @property
    def mean_area(self) -> float:
        return sum(f.area for f in self.faces) / max(len(self.faces), 1)


def _best(track_boxes: dict[int, tuple], face: Face, taken: set[int]) -> int | None:
    best, best_iou = None, MIN_IOU
    for tid, box in track_boxes.items():
        overlap = iou(box, face.box)
        if tid not in taken and overlap >= best_iou:
            best, best_iou = tid, overlap
    return best


def link_tracks(faces_per_frame: list[list[Face]]) -> list[Track]:
    """Tracks over the frames (greedy by overlap with each track's last box), most-seen and largest first."""
    tracks: dict[int, Track] = {}
    last_box: dict[int, tuple] = {}
    for k, faces in enumerate(faces_per_frame):
        taken: set[int] = set()
        for face in sorted(faces, key=lambda f: f.area, reverse=True):
            tid = _best(last_box, face, taken)
            if tid is None:
                tid = len(tracks)
                tracks[tid] = Track(tid)
            tracks[tid].frames.append(k)
            tracks[tid].faces.append(face)
            last_box[tid] = face.box
            taken.add(tid)
    ordered = sorted(tracks.values(), key=lambda t: (len(t.frames), t.mean_area), reverse=True)
    for new_id, track in enumerate(ordered):
        track.id = new_id
    return ordered
