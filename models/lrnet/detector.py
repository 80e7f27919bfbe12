"""LRNet video detector: consecutive windows of frames -> calibrated landmarks -> 30-frame blocks -> two streams.

Block score = mean of the two streams' P(fake) (g1 on the 30 positions, g2 on the 29 differences); the video's
score is the share of blocks scoring 0.5 or more, and 0.5 or more means FAKE (upstream classify.py).
Every full 30-frame block is scored; upstream skips the last one when the length is an exact multiple of 30,
which gives the same blocks on its four sample sequences.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from models.errors import MediaError, ModelsError, NoFaceError, WeightsMissing
from models.lrnet import WEIGHT_SETS
from models.lrnet.landmarks import landmark_sequence
from models.media import iter_frames, probe
from models.types import DetectionResult, FrameScore, Progress, VideoInfo, no_progress
from models.weights import checked_sha256, locate

BLOCK = 30
AGGREGATION = "share of 30-frame blocks with P(fake) >= 0.5 (LRNet)"
STAGES = {"decoding": (0.0, 0.15), "finding faces": (0.15, 0.6), "landmarks": (0.6, 0.9), "scoring": (0.9, 1.0)}
THUMB_SIZE = 96


def blocks(sequence: np.ndarray, block: int = BLOCK) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """(positions (B, block, 136), differences (B, block-1, 136), start row of each block) of full blocks."""
    starts = list(range(0, len(sequence) - block + 1, block))
    pos = np.stack([sequence[s:s + block] for s in starts]) if starts else np.zeros((0, block, 136), np.float32)
    return pos.astype(np.float32), np.diff(pos, axis=1).astype(np.float32), starts


def _report(on_progress: Progress, stage: str, within: float) -> None:
    start, end = STAGES[stage]
    on_progress(stage, start + (end - start) * min(1.0, max(0.0, within)))


def plan_windows(info: VideoInfo, windows: int, length: int) -> list[tuple[float, int]]:
    """(start seconds, frame count) of up to `windows` evenly spaced runs of `length` consecutive frames."""
    total = max(1, info.frames)
    if total <= windows * length:
        return [(0.0, total)]
    starts = np.linspace(0, total - length, windows).astype(int)
    return [(float(s) / info.fps, length) for s in starts]


def read_window(path: Path, start: float, count: int, fps: float, max_side: Optional[int]) -> list:
    """Up to `count` consecutive frames (index, time, RGB) from `start` seconds."""
    out = []
    end = start + (count + 1) / max(fps, 1e-6)
    for frame in iter_frames(path, start=start, end=end, max_side=max_side):
        out.append(frame)
        if len(out) == count:
            break
    return out


class LRNetDetector:
    """LRNet with the "deeper" (DeeperForensics-1.0, upstream's default) or "ff" (FaceForensics++) weights."""

    def __init__(self, weights: str = "deeper", models_dir: Optional[Path] = None, *, windows: int = 4,
                 blocks_per_window: int = 2, max_side: Optional[int] = 1280, device: str = "cpu"):
        from models.lrnet.network import load_stream

        if weights not in WEIGHT_SETS:
            raise ModelsError(f"Unknown LRNet weights {weights!r}; choose one of {', '.join(WEIGHT_SETS)}.")
        if models_dir is None:
            raise WeightsMissing("LRNet needs a models folder (MODELS_DIR) and none is configured.")
        paths = [locate(name, Path(models_dir)) for name in WEIGHT_SETS[weights]]
        self.name = f"lrnet_{weights}"
        self.g1, self.g2 = (load_stream(p, device) for p in paths)
        self.device = device
        self.weights_sha256 = hashlib.sha256("".join(checked_sha256(p) for p in paths).encode()).hexdigest()
        self.windows, self.window_frames, self.max_side = windows, blocks_per_window * BLOCK, max_side

    def score_blocks(self, positions: np.ndarray, differences: np.ndarray) -> np.ndarray:
        """(B,) block P(fake): mean of the two streams' class-1 probabilities."""
        import torch

        if not len(positions):
            return np.zeros(0, dtype=np.float32)
        with torch.inference_mode():
            p1 = self.g1(torch.from_numpy(np.ascontiguousarray(positions)).to(self.device))[:, 1]
            p2 = self.g2(torch.from_numpy(np.ascontiguousarray(differences)).to(self.device))[:, 1]
        return ((p1 + p2) / 2).cpu().numpy().astype(np.float32)

    def score_sequence(self, landmarks: np.ndarray) -> tuple[float, np.ndarray]:
        """(video score = share of blocks >= 0.5, block scores) of one (T, 136) calibrated sequence."""
        pos, diff, _ = blocks(np.asarray(landmarks, dtype=np.float32))
        scores = self.score_blocks(pos, diff)
        return (float((scores >= 0.5).mean()) if len(scores) else float("nan")), scores

    def detect_video(self, path: Path, face_finder, landmarker, *,
                     on_progress: Progress = no_progress) -> DetectionResult:
        """The verdict on a video; MediaError, NoFaceError, or Canceled (raised by on_progress)."""
        timings = {"decode": 0.0, "faces": 0.0, "landmarks": 0.0, "head": 0.0}
        info = probe(path)
        plan = plan_windows(info, self.windows, self.window_frames)
        runs = [self._window(path, info, start, count, face_finder, landmarker, timings, (k, len(plan)), on_progress)
                for k, (start, count) in enumerate(plan)]
        _report(on_progress, "scoring", 0.0)
        t0 = time.perf_counter()
        scored = [(run, self.score_blocks(*blocks(run["sequence"])[:2])) for run in runs]
        timings["head"] = time.perf_counter() - t0
        _report(on_progress, "scoring", 1.0)
        return self._result(info, scored, timings)

    def _window(self, path, info, start, count, finder, landmarker, timings, where, on_progress) -> dict:
        """Decode one window, find the largest face per frame, extract and calibrate its landmarks."""
        k, n = where
        t0 = time.perf_counter()
        frames = read_window(Path(path), start, count, info.fps, self.max_side)
        timings["decode"] += time.perf_counter() - t0
        _report(on_progress, "decoding", (k + 1) / n)
        t0 = time.perf_counter()
        faces = [f[0] if f else None for f in finder.detect([rgb for _, _, rgb in frames])]
        timings["faces"] += time.perf_counter() - t0
        _report(on_progress, "finding faces", (k + 1) / n)
        t0 = time.perf_counter()
        shapes = [None if f is None else landmarker.landmarks(rgb, f.box) for (_, _, rgb), f in zip(frames, faces)]
        sequence, skipped, crops, _ = landmark_sequence([rgb for _, _, rgb in frames], shapes)
        timings["landmarks"] += time.perf_counter() - t0
        _report(on_progress, "landmarks", (k + 1) / n)
        return {"frames": frames[skipped:], "faces": faces[skipped:], "sequence": sequence, "crops": crops,
                "found": sum(f is not None for f in faces), "decoded": len(frames)}

    def _result(self, info: VideoInfo, scored: Sequence[tuple[dict, np.ndarray]], timings) -> DetectionResult:
        """Block scores as the timeline, the share of fake blocks as the video's P(fake)."""
        import cv2

        frame_scores, thumbs = [], []
        for run, scores in scored:
            for start, p in zip(blocks(run["sequence"])[2], scores):
                index, t, _ = run["frames"][start]
                face = run["faces"][start]
                frame_scores.append(FrameScore(index, t, float(p), face.box if face is not None else None))
                thumbs.append(cv2.resize(run["crops"][start], (THUMB_SIZE, THUMB_SIZE), interpolation=cv2.INTER_AREA))
        if not frame_scores:
            raise self._no_blocks(info, scored)
        all_scores = np.array([f.fake_probability for f in frame_scores])
        share = float((all_scores >= 0.5).mean())
        return DetectionResult(
            verdict="FAKE" if share >= 0.5 else "REAL", fake_probability=share, aggregation=AGGREGATION,
            model=self.name, weights_sha256=self.weights_sha256, frames=frame_scores, thumbnails=thumbs,
            video=info, timings=timings, warnings=self._warnings(scored, len(frame_scores)))

    def _no_blocks(self, info: VideoInfo, scored) -> Exception:
        found = sum(run["found"] for run, _ in scored)
        decoded = sum(run["decoded"] for run, _ in scored)
        if found == 0:
            return NoFaceError(f"No face was found in any of the {decoded} frames LRNet read.")
        return MediaError(f"LRNet needs {BLOCK} consecutive frames from the first face on; this video gave "
                          f"{max(len(run['sequence']) for run, _ in scored)} ({info.duration:.1f} s at "
                          f"{info.fps:.0f} fps).")

    @staticmethod
    def _warnings(scored, n_blocks: int) -> list[str]:
        out = []
        found = sum(run["found"] for run, _ in scored)
        decoded = sum(run["decoded"] for run, _ in scored)
        if found < 0.9 * decoded:
            out.append(f"LRNet's own face search (one face per frame, on {decoded} consecutive frames) found "
                       f"the face in {found}; in the others it reused the previous frame's landmarks, which hides "
                       "the motion LRNet judges: its score rests on fewer real frames than it shows. Where another "
                       "detector of this job found the face in every frame, give that detector's score more weight.")
        if n_blocks < 4:
            out.append(f"Only {n_blocks} block(s) of {BLOCK} frames were scored: the share of fake blocks is coarse.")
        return out
