"""Benchmark: seconds per 10-second 1280x720 clip for the PyTorch detectors, split by stage.

LRNet (4 windows of 60 consecutive frames) against LRNet on every frame, as upstream runs it; ResNeXt50+LSTM
(first 20 frames with a face; a randomly initialised checkpoint of the earlier projects' layout: same cost)
with dlib HOG on full frames, as the earlier projects did, against HOG on frames downscaled to 640 px.
Run: .venv/bin/python bench/detect_torch.py --models-dir /work/shared/weights
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_clip(folder: Path, seconds: float, name: str = "bench_720p.mp4") -> Path:
    """A 1280x720, 25 fps H.264 clip of one real face (a crop of insightface's t1.jpg, panned and zoomed)."""
    from tests.videofactory import face_video, real_photo

    return face_video(folder / name, seconds=seconds, fps=25, size=(1280, 720),
                      photo=real_photo("t1")[215:440, 0:400], audio=False)


def run(label: str, fn) -> dict[str, float]:
    """Time one detector call and print its stages."""
    t = time.perf_counter()
    result = fn()
    timings = dict(result.timings, total=time.perf_counter() - t)
    stages = "  ".join(f"{k} {v:6.2f}" for k, v in timings.items())
    print(f"{label:<34} {stages}  -> {result.verdict} p_fake={result.fake_probability:.2f} "
          f"({len(result.frames)} scored)")
    return timings


def bench_lrnet(clip: Path, warm_clip: Path, models_dir: Path, finder_name: str) -> None:
    from models.faces import get_face_finder
    from models.landmarks.dlib68 import Dlib68
    from models.lrnet.detector import LRNetDetector

    finder, landmarker = get_face_finder(finder_name, models_dir), Dlib68()
    windows = LRNetDetector("deeper", models_dir)
    every = LRNetDetector("deeper", models_dir, windows=1, blocks_per_window=100)
    windows.detect_video(warm_clip, finder, landmarker)  # first calls of torch, onnxruntime, dlib: not timed
    ours = run(f"LRNet 4x60 frames ({finder_name})", lambda: windows.detect_video(clip, finder, landmarker))
    base = run(f"LRNet every frame ({finder_name})", lambda: every.detect_video(clip, finder, landmarker))
    print(f"LRNet: {ours['total']:.1f} s against {base['total']:.1f} s on every frame "
          f"(x{base['total'] / ours['total']:.2f}; the gain grows with length: 240 frames at most)")


def bench_resnext(clip: Path, warm_clip: Path, folder: Path) -> None:
    import torch

    from models.torchnets.resnext_lstm import ResNeXtLSTMDetector, build_model, save_checkpoint

    torch.manual_seed(0)
    checkpoint = save_checkpoint(build_model(), folder / "resnext_lstm_20.pt", sequence_length=20)
    ResNeXtLSTMDetector(save_checkpoint(build_model(), folder / "warm.pt", 2)).detect_video(warm_clip)  # untimed
    full = run("ResNeXt50+LSTM, HOG on full frames", lambda: ResNeXtLSTMDetector(checkpoint).detect_video(clip))
    small = run("ResNeXt50+LSTM, HOG at 640 px",
                lambda: ResNeXtLSTMDetector(checkpoint, hog_max_side=640).detect_video(clip))
    print(f"ResNeXt50+LSTM: {small['total']:.1f} s with HOG at 640 px against {full['total']:.1f} s on full "
          f"frames (x{full['total'] / small['total']:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", type=Path, default=ROOT.parent / "shared" / "weights")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--face-finder", default="scrfd")
    parser.add_argument("--only", choices=("lrnet", "resnext"), default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_clip(Path(tmp), args.seconds)
        warm_clip = make_clip(Path(tmp), 1.4, "warm.mp4")
        print(f"clip: {args.seconds:.0f} s, 1280x720, 25 fps; seconds per stage")
        if args.only in (None, "lrnet"):
            bench_lrnet(clip, warm_clip, args.models_dir, args.face_finder)
        if args.only in (None, "resnext"):
            bench_resnext(clip, warm_clip, Path(tmp))


if __name__ == "__main__":
    main()
