"""Plain records passed between the ML side and its callers (no ML imports here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Protocol

import numpy as np

# on_progress(stage, fraction): stage is a short label shown to the user, fraction in 0..1.
Progress = Callable[[str, float], None]


def no_progress(stage: str, fraction: float) -> None:
    """Default progress sink."""


class CropModel(Protocol):
    """A network that reads square RGB face crops: uint8 (N, S, S, 3) with S = input_size."""

    name: str
    input_size: int


class FrameDetector(CropModel, Protocol):
    """Scores face crops: float (N,) P(fake)."""

    weights_sha256: str

    def score(self, crops: np.ndarray) -> np.ndarray: ...


class Backbone(CropModel, Protocol):
    """Features of face crops, (N, dim) float32; `identity` (name + which weights) keys the feature cache."""

    dim: int
    pretrained: bool
    identity: str

    def features(self, crops: np.ndarray) -> np.ndarray: ...


@dataclass
class VideoInfo:
    """What a probe of a video file found."""

    width: int
    height: int
    fps: float
    duration: float  # seconds
    frames: int  # estimated when the container does not say
    codec: str
    has_audio: bool
    format: str = ""


@dataclass
class Face:
    """One detected face in a frame: box in pixels (x1, y1, x2, y2), score, optional 5 landmarks (5, 2)."""

    box: tuple[float, float, float, float]
    score: float
    landmarks: Optional[np.ndarray] = None

    @property
    def area(self) -> float:
        x1, y1, x2, y2 = self.box
        return max(0.0, x2 - x1) * max(0.0, y2 - y1)


@dataclass
class FrameScore:
    """The detector's score for one sampled frame; fake_probability is None when no face was found."""

    index: int
    time: float
    fake_probability: Optional[float]
    face_box: Optional[tuple[float, float, float, float]] = None


@dataclass
class PersonScore:
    """One person's (face track's) score in a video with several people."""

    track: int
    frames: int  # sampled frames where this face was found
    fake_probability: float
    verdict: str
    thumbnail: Optional[np.ndarray] = None


@dataclass
class DetectionResult:
    """A video's verdict and everything needed to explain it."""

    verdict: str  # "REAL", "FAKE" or "INCONCLUSIVE"
    fake_probability: float  # aggregated P(fake) of the video
    aggregation: str  # name of the rule that produced fake_probability
    model: str
    weights_sha256: str
    frames: list[FrameScore]
    thumbnails: list[np.ndarray] = field(default_factory=list)  # RGB face crops, aligned with scored frames
    video: Optional[VideoInfo] = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    warnings: list[str] = field(default_factory=list)
    people: list[PersonScore] = field(default_factory=list)  # each person's score when several were scored
    person: Optional[int] = None  # the track the verdict and the timeline follow, when several were scored

    @property
    def confidence(self) -> float:
        """Probability of the verdict itself (INCONCLUSIVE: of the more likely side)."""
        from models.verdicts import confidence

        return confidence(self.verdict, self.fake_probability)
