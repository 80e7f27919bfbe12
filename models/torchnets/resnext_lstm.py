"""The earlier projects' ResNeXt50 + LSTM video classifier, reproduced so their checkpoints behave exactly as before.

Forward pass kept as they wrote it (see ARCHITECTURE.md): frames (batch, seq, 3, 112, 112) are flattened, passed
through the ResNeXt trunk (`model` = conv1 ... layer4, keys model.0 ... model.7), average-pooled to 2048, reshaped
to (batch, seq, 2048) and fed to `nn.LSTM(2048, 2048, 1, False)`: the 4th positional argument is `bias`, so the
LSTM has no bias tensors, and with the default batch_first=False it reads the batch (1 at inference) as time and
the frames as a batch; `output[:, -1, :]` is therefore the last frame's single-step output. Then `linear1`,
dropout 0.4 (inactive in eval), softmax; class 1 = REAL, so P(fake) = softmax[:, 0].
Input of the earlier projects: frames read with OpenCV (BGR, passed on unconverted), the first face that dlib's
HOG detector (face_recognition, upsample 1) finds, cropped tight, resized to 112x112, ImageNet mean/std.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from models.errors import WeightsMismatch
from models.torchnets import IMAGENET_MEAN, IMAGENET_STD
from models.types import DetectionResult

SIZE = 112
FEATURES = 2048
DEFAULT_SEQUENCE = 20
FORMAT = "resnext50_lstm/1"


def _classes():
    """The module class, built on first use so importing this file loads no torch."""
    import torch
    from torch import nn

    from models.torchnets.resnext import resnext50_32x4d

    class ResNeXtLSTM(nn.Module):
        """ResNeXt50 trunk + LSTM(2048, 2048, bias=False) + linear1 -> 2 classes (1 = REAL)."""

        def __init__(self, num_classes: int = 2):
            super().__init__()
            self.model = nn.Sequential(*list(resnext50_32x4d().children())[:-2])
            self.lstm = nn.LSTM(FEATURES, FEATURES, 1, False)
            self.relu = nn.LeakyReLU()
            self.dp = nn.Dropout(0.4)
            self.linear1 = nn.Linear(FEATURES, num_classes)
            self.avgpool = nn.AdaptiveAvgPool2d(1)

        def trunk(self, x):
            """(batch, seq, 3, H, W) -> (feature maps (batch*seq, 2048, h, w), pooled (batch, seq, 2048))."""
            b, s = x.shape[:2]
            fmap = self.model(x.reshape(b * s, *x.shape[2:]))
            return fmap, self.avgpool(fmap).reshape(b, s, FEATURES)

        def head(self, pooled):
            """(batch, seq, 2048) -> logits (batch, 2), exactly the earlier projects' readout."""
            out, _ = self.lstm(pooled, None)
            return self.dp(self.linear1(out[:, -1, :]))

        def forward(self, x):
            fmap, pooled = self.trunk(x)
            return fmap, self.head(pooled)

    return ResNeXtLSTM, torch


def build_model():
    """A randomly initialised ResNeXt50+LSTM with the earlier projects' layout (eval mode)."""
    return _classes()[0]().eval()


def _shape_problems(model, state: dict) -> list[str]:
    """Sentences naming missing keys, unexpected keys and mismatched shapes of a state dict."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    shapes = [f"shape of {k} is {tuple(state[k].shape)}, expected {tuple(v.shape)}"
              for k, v in expected.items() if k in state and tuple(state[k].shape) != tuple(v.shape)]

    def few(keys: list[str]) -> str:
        return ", ".join(keys[:4]) + (f" (+{len(keys) - 4} more)" if len(keys) > 4 else "")

    return ([f"missing keys {few(missing)}"] if missing else []) + \
           ([f"unexpected keys {few(unexpected)}"] if unexpected else []) + shapes[:4]


def sequence_from_name(path: Path) -> Optional[int]:
    """The sequence length the earlier projects wrote into file names (model_<acc>_acc_<N>_frames_...pt)."""
    match = re.search(r"_(\d+)_frames", Path(path).name)
    return int(match.group(1)) if match else None


def _read(path: Path) -> tuple[dict, dict]:
    """(state dict, stored info) from our wrapped format or a bare state dict."""
    import torch

    try:
        obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for files that are not checkpoints
        raise WeightsMismatch(f"{Path(path).name} is not a PyTorch checkpoint that can be read safely: {exc}") from exc
    if isinstance(obj, dict) and obj.get("format") == FORMAT:
        return obj["state_dict"], {k: v for k, v in obj.items() if k != "state_dict"}
    if not isinstance(obj, dict):
        raise WeightsMismatch(f"{Path(path).name} is not a ResNeXt50+LSTM checkpoint: it holds no state dict.")
    return obj, {}


def load_checkpoint(path: Path):
    """(model in eval mode, info) from a checkpoint, loaded strictly; WeightsMismatch names what does not fit."""
    state, stored = _read(Path(path))
    model = build_model()
    problems = _shape_problems(model, state)
    if problems:
        raise WeightsMismatch(f"{Path(path).name} is not a ResNeXt50+LSTM checkpoint: " + "; ".join(problems) + ".")
    model.load_state_dict(state, strict=True)
    n, source = stored.get("sequence_length"), "stored"
    if n is None:
        n, source = sequence_from_name(path), "file name"
    if n is None:
        n, source = DEFAULT_SEQUENCE, "default (not stored, not in the file name)"
    info = {"sequence_length": int(n), "sequence_length_source": source, "channels": stored.get("channels", "BGR"),
            "readout": "last frame's single-step LSTM output (earlier projects' forward)", "real_class": 1}
    return model.eval(), info


def save_checkpoint(model, path: Path, sequence_length: int, channels: str = "BGR") -> Path:
    """Write the model's state dict with its sequence length and channel order (read back by load_checkpoint)."""
    import torch

    torch.save({"format": FORMAT, "state_dict": model.state_dict(), "sequence_length": int(sequence_length),
                "channels": channels}, str(path))
    return Path(path)


def hog_face_boxes(frames: Sequence[np.ndarray], detector=None) -> list[Optional[tuple[int, int, int, int]]]:
    """First face of each RGB frame by dlib's HOG detector (upsample 1, as face_recognition), trimmed to the frame."""
    import dlib

    detector = detector or dlib.get_frontal_face_detector()
    out = []
    for frame in frames:
        rects = detector(np.ascontiguousarray(frame), 1)
        if not len(rects):
            out.append(None)
            continue
        r, (h, w) = rects[0], frame.shape[:2]
        out.append((max(r.left(), 0), max(r.top(), 0), min(r.right(), w), min(r.bottom(), h)))
    return out


def preprocess(crops: Sequence[np.ndarray], channels: str = "BGR"):
    """Tensor (1, N, 3, 112, 112): PIL bilinear resize, [0, 1], ImageNet mean/std, in the model's channel order."""
    import torch
    from PIL import Image

    arrays = []
    for crop in crops:
        img = np.asarray(Image.fromarray(np.ascontiguousarray(crop)).resize((SIZE, SIZE), Image.BILINEAR))
        arrays.append(img[:, :, ::-1] if channels.upper() == "BGR" else img)
    x = np.stack(arrays).astype(np.float32) / 255.0
    x = (x - np.array(IMAGENET_MEAN, np.float32)) / np.array(IMAGENET_STD, np.float32)
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))[None]


def fake_probability(model, x) -> tuple[float, object]:
    """(P(fake) = softmax class 0, feature maps) of one preprocessed sequence (moved to the model's device)."""
    import torch

    with torch.inference_mode():
        fmap, logits = model(x.to(next(model.parameters()).device))
    return float(torch.softmax(logits, dim=1)[0, 0]), fmap


class ResNeXtLSTMDetector:
    """A ResNeXt50+LSTM checkpoint applied to a video: first N consecutive frames with a face, one verdict."""

    def __init__(self, checkpoint: Path, *, name: str = "resnext50_lstm", hog_max_side: Optional[int] = None,
                 device: str = "cpu"):
        from models.weights import checked_sha256

        self.model, self.info = load_checkpoint(Path(checkpoint))
        self.device = device
        self.model.to(device)
        self.name, self.weights_sha256 = name, checked_sha256(Path(checkpoint))
        self.hog_max_side = hog_max_side  # None: HOG on full frames, as the earlier projects did

    def _boxes(self, frames: Sequence[np.ndarray]) -> list:
        """HOG boxes in full-frame pixels (found on a downscaled copy when hog_max_side is set)."""
        if not self.hog_max_side:
            return hog_face_boxes(frames)
        from models.faces.crop import downscale

        small = [downscale(f, self.hog_max_side) for f in frames]
        boxes = hog_face_boxes([s for s, _ in small])
        return [None if b is None else tuple(int(round(v / k)) for v in b) for b, (_, k) in zip(boxes, small)]

    def collect(self, path: Path, timings: dict, limit_frames: int = 600) -> list[tuple[int, float, np.ndarray, tuple]]:
        """(index, time, face crop, box) of the first N frames with a face, decoding no further than needed."""
        from models.media import iter_frames

        want, found, batch = self.info["sequence_length"], [], []
        t0 = time.perf_counter()
        for k, frame in enumerate(iter_frames(Path(path))):
            batch.append(frame)
            if len(batch) < 8 and k + 1 < limit_frames:
                continue
            found += self._faces(batch, timings, t0)
            batch, t0 = [], time.perf_counter()
            if len(found) >= want or k + 1 >= limit_frames:
                break
        if batch and len(found) < want:
            found += self._faces(batch, timings, t0)
        return found[:want]

    def _faces(self, batch, timings: dict, t0: float) -> list:
        timings["decode"] = timings.get("decode", 0.0) + time.perf_counter() - t0
        t1 = time.perf_counter()
        boxes = self._boxes([rgb for _, _, rgb in batch])
        timings["faces"] = timings.get("faces", 0.0) + time.perf_counter() - t1
        return [(i, t, rgb[b[1]:b[3], b[0]:b[2]], b) for (i, t, rgb), b in zip(batch, boxes)
                if b is not None and b[2] > b[0] and b[3] > b[1]]

    def detect_video(self, path: Path, *, on_progress=None) -> DetectionResult:
        """The verdict on a video; NoFaceError when no frame has a face HOG can find."""
        import torch

        from models.errors import NoFaceError
        from models.types import FrameScore

        progress = on_progress or (lambda stage, fraction: None)
        timings: dict[str, float] = {}
        progress("finding faces", 0.0)
        found = self.collect(Path(path), timings)
        if not found:
            raise NoFaceError("dlib's HOG detector found no face in the first frames of the video.")
        progress("scoring", 0.6)
        x = preprocess([c for _, _, c, _ in found], self.info["channels"]).to(self.device)
        with torch.inference_mode():
            t0 = time.perf_counter()
            _, pooled = self.model.trunk(x)
            t1 = time.perf_counter()
            p_fake = float(torch.softmax(self.model.head(pooled), dim=1)[0, 0])
        timings.update(backbone=t1 - t0, head=time.perf_counter() - t1)
        progress("scoring", 1.0)
        frames = [FrameScore(i, t, None, tuple(float(v) for v in b)) for i, t, _, b in found]
        warnings = [] if len(found) == self.info["sequence_length"] else [
            f"Only {len(found)} frames with a face were found; the model expects {self.info['sequence_length']}."]
        return DetectionResult("FAKE" if p_fake >= 0.5 else "REAL", p_fake, "one sequence (ResNeXt50+LSTM)",
                               self.name, self.weights_sha256, frames, [c for _, _, c, _ in found[:8]],
                               timings=timings, warnings=warnings)
