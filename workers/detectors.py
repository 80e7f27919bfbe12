"""Every detector the worker can run, by name, behind one call: detect(path, params, on_progress) -> result.

Built-in detectors come from the one registry in models.detectors (frame classifiers score a shared face pass;
LRNet reads landmark sequences); models registered in the portal (ResNeXt50+LSTM checkpoints, trained CNN+RNN
heads) come from the database. Each is loaded once per process (model_cache).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from models.errors import ModelsError
from models.types import DetectionResult, Progress
from portal.db import DetectorModel
from portal.extensions import db
from portal.storage import Storage
from workers import model_cache
from workers.dbretry import retried
from workers.device import current as device

LRNET_PREFIX = "lrnet_"


class Runner(Protocol):
    name: str

    def detect(self, path: Path, params: dict[str, Any], on_progress: Progress) -> DetectionResult: ...


def face_finder(config) -> Any:
    from models.faces import get_face_finder

    name, models_dir = config["DETECTION_FACE_FINDER"], config["MODELS_DIR"]
    return model_cache.get(("faces", name, models_dir), lambda: get_face_finder(name, Path(models_dir), device()))


class FrameRunner:
    """A frame classifier (the lab's SBI model, MesoNet): scores the face tracks of a shared face pass."""

    scores_face_pass = True

    def __init__(self, name: str, config):
        from models.detectors import load_detector

        self.name, self.config = name, config
        self.detector = load_detector(name, config["MODELS_DIR"], device().torch)

    def score(self, face_pass, params, on_progress) -> DetectionResult:
        from models.pipelines.detect import score_pass

        return score_pass(face_pass, self.detector, aggregation=params.get("aggregation", "mean"),
                          on_progress=on_progress)

    def detect(self, path, params, on_progress):
        from models.pipelines.detect import detect_video

        return detect_video(path, self.detector, face_finder(self.config), n_frames=int(params.get("frames", 32)),
                            aggregation=params.get("aggregation", "mean"), on_progress=on_progress)

    def heatmaps(self, result: DetectionResult) -> list:
        """Grad-CAM of P(fake) over each face thumbnail, as RGB overlays (the explainer is built once)."""
        if getattr(self, "_explainer", None) is None:
            from models.explain.frames import FrameExplainer

            self._explainer = FrameExplainer(self.detector)
        return self._explainer.overlays(result.thumbnails)


class LRNetRunner:
    """LRNet on calibrated landmark sequences of consecutive-frame windows."""

    def __init__(self, name: str, config):
        from models.landmarks import Dlib68
        from models.lrnet.detector import LRNetDetector

        self.name, self.config = name, config
        self.detector = LRNetDetector(name[len(LRNET_PREFIX):], Path(config["MODELS_DIR"]), device=device().torch)
        self.landmarker = Dlib68()

    def detect(self, path, params, on_progress):
        result = self.detector.detect_video(path, face_finder(self.config), self.landmarker, on_progress=on_progress)
        result.model = self.name
        return result


class ResNeXtRunner:
    """An imported ResNeXt50+LSTM checkpoint of the earlier projects."""

    def __init__(self, row: DetectorModel, config):
        from models.torchnets.resnext_lstm import ResNeXtLSTMDetector

        self.name = row.name
        self.detector = ResNeXtLSTMDetector(Storage(config["STORAGE_DIR"]).path(row.weights_key), name=row.name,
                                            device=device().torch)

    def detect(self, path, params, on_progress):
        return self.detector.detect_video(path, on_progress=on_progress)


class KerasHeadRunner:
    """A head the lab trained (`flask detector train`) on backbone features of N sampled face crops."""

    def __init__(self, row: DetectorModel, config):
        from models.backbones import load_backbone
        from models.detectors.head import HeadDetector

        self.name, self.config = row.name, config
        storage = Storage(config["STORAGE_DIR"])
        named = storage.tmp_dir() / f"{row.weights_key}.keras"  # Keras 3 chooses the format by the extension
        if not named.exists():
            named.symlink_to(storage.path(row.weights_key))
        backbone = load_backbone(row.backbone, Path(config["MODELS_DIR"]),
                                 allow_random=not row.metrics.get("backbone_pretrained", True))
        self.detector = HeadDetector(named, backbone, name=row.name, weights_sha256=row.weights_sha256,
                                     frames=int(row.metrics.get("frames", 20)))

    def detect(self, path, params, on_progress):
        from models.pipelines.detect import detect_sequence

        return detect_sequence(path, self.detector, face_finder(self.config), on_progress=on_progress)


class RegisteredFrameRunner(FrameRunner):
    """A frame detector the lab trained with the sbi recipe (`flask detector train --recipe sbi`)."""

    def __init__(self, row: DetectorModel, config):
        from models.detectors.sbi import SbiDetector

        self.name, self.config = row.name, config
        self.detector = SbiDetector(Storage(config["STORAGE_DIR"]).path(row.weights_key), name=row.name,
                                    device=device().torch)


class RegisteredConsistencyRunner(FrameRunner):
    """A blend-consistency model the lab fitted (`flask detector train --recipe consistency`)."""

    def __init__(self, row: DetectorModel, config):
        from models.detectors.consistency import ConsistencyDetector

        self.name, self.config = row.name, config
        self.detector = ConsistencyDetector(Storage(config["STORAGE_DIR"]).path(row.weights_key), name=row.name)


REGISTERED_RUNNERS: dict[str, type] = {"resnext_lstm": ResNeXtRunner, "keras_head": KerasHeadRunner,
                                       "sbi_frame": RegisteredFrameRunner, "consistency": RegisteredConsistencyRunner}


@retried
def _registered(name: str) -> DetectorModel | None:
    return db.session.query(DetectorModel).filter(DetectorModel.name == name).one_or_none()


def _build(name: str, config) -> Runner:
    from models.detectors import DETECTORS

    if name in DETECTORS:
        return FrameRunner(name, config) if DETECTORS[name].kind == "frame" else LRNetRunner(name, config)
    row = _registered(name)
    if row is None or row.architecture not in REGISTERED_RUNNERS:
        raise ModelsError(f"The detector {name!r} is not installed on this worker.")
    return REGISTERED_RUNNERS[row.architecture](row, config)


def load_runner(name: str, config) -> Runner:
    """The runner of a detector, built once per worker process."""
    return model_cache.get(("runner", name, config["MODELS_DIR"]), lambda: _build(name, config))
