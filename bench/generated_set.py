"""The lab benchmark on the portal's own kind of fakes: classical swaps of real-face clips against the clips.

Makes N target clips from real photos (insightface's t1.jpg, one person per clip), swaps the left person's face of
t1.jpg onto each
with the classical swapper (the portal's generation pipeline: label, watermark, manifest), then scores every
detector on reals vs fakes with models.benchmark (AUC with a bootstrap 95% interval, accuracy, log loss).

    .venv/bin/python bench/generated_set.py --models-dir ../shared/weights [--clips 6]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.benchmark import LabelledVideo, run_benchmark  # noqa: E402
from tests import videofactory as vf  # noqa: E402

PEOPLE = [(462, 266, 575, 416), (52, 266, 170, 399), (898, 57, 1005, 197), (270, 146, 369, 276),
          (750, 346, 844, 472), (1132, 274, 1227, 398)]  # face boxes of t1.jpg's six people


def make_clips(folder: Path, n: int, seconds: float) -> list[Path]:
    photo = vf.real_photo("t1")
    clips = []
    targets = [p for j, p in enumerate(PEOPLE) if j != 1]  # person 1 is the source identity
    for i, (x1, y1, x2, y2) in enumerate(targets[:n]):
        cx, cy, half = (x1 + x2) // 2, (y1 + y2) // 2, int(1.6 * (x2 - x1))
        crop = photo[max(0, cy - half): cy + half, max(0, cx - half): cx + half]
        clips.append(vf.face_video(folder / f"real{i}.mp4", seconds=seconds, fps=10, size=(480, 360), photo=crop))
    return clips


def swap_all(clips: list[Path], folder: Path, models_dir: Path) -> list[Path]:
    from models.faces import get_face_finder
    from models.pipelines.generate import SwapRequest, generate_video
    from models.provenance.manifest import build_manifest
    from models.swappers import get_swapper

    source = folder / "source.jpg"
    import cv2

    cv2.imwrite(str(source), vf.one_face_photo()[:, :, ::-1])  # the left person of t1.jpg
    swapper, finder = get_swapper("classical", models_dir), get_face_finder("auto", models_dir)
    fakes = []
    for i, clip in enumerate(clips):
        out = folder / f"fake{i}.mp4"
        manifest = build_manifest(portal="bench", job_id=1000 + i, swapper="classical")
        generate_video(SwapRequest(source, clip, out, 1000 + i, manifest, select="largest"), swapper, finder)
        fakes.append(out)
    return fakes


def detectors(models_dir: Path, frames: int) -> dict:
    from models.detectors import DETECTORS, load_detector
    from models.faces import get_face_finder
    from models.landmarks import Dlib68
    from models.lrnet.detector import LRNetDetector
    from models.pipelines.detect import detect_video

    finder = get_face_finder("auto", models_dir)
    out = {}
    for name in DETECTORS:
        det = load_detector(name, models_dir)
        out[name] = lambda p, det=det: detect_video(p, det, finder, n_frames=frames).fake_probability
    landmarker = Dlib68()
    for weights in ("deeper", "ff"):
        lr = LRNetDetector(weights, models_dir)
        out[f"lrnet_{weights}"] = lambda p, lr=lr: lr.detect_video(p, finder, landmarker).fake_probability
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models-dir", type=Path, default=Path("../shared/weights"))
    parser.add_argument("--clips", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--frames", type=int, default=16)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="generated-set-"))
    t0 = time.perf_counter()
    reals = make_clips(folder, args.clips, args.seconds)
    fakes = swap_all(reals, folder, args.models_dir)
    print(f"set: {len(reals)} real clips, {len(fakes)} classical swaps ({time.perf_counter() - t0:.0f} s to make)")
    videos = [LabelledVideo(p, 0, "target") for p in reals] + [LabelledVideo(p, 1, "swap") for p in fakes]
    results = run_benchmark(videos, detectors(args.models_dir, args.frames))
    print(f"{'detector':60s} {'AUC':>6s} {'95% CI':>14s} {'acc':>6s} {'logloss':>8s} {'scored':>7s}")
    for r in results:
        m = r.metrics
        ci = "[%.2f, %.2f]" % tuple(m["auc_ci95"]) if "auc_ci95" in m else ""
        print(f"{r.model[:60]:60s} {m.get('auc', float('nan')):6.3f} {ci:>14s} {m.get('accuracy', float('nan')):6.3f}"
              f" {m.get('log_loss', float('nan')):8.3f} {m['scored']:>3d}/{m['videos']}")
    print(f"total {time.perf_counter() - t0:.0f} s; videos in {folder}")


if __name__ == "__main__":
    main()
