"""Benchmark: seconds from video file to verdict, new pipeline against the lab's earlier per-frame way.

Run: .venv/bin/python bench/detect.py --default [--frames 16] [--models-dir ../shared/weights]
     .venv/bin/python bench/detect.py --models-dir ../shared/weights   (MesoNet, every face finder, the old way)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_clip(folder: Path, seconds: float) -> Path:
    """A 1280x720, 25 fps H.264 + AAC clip of real faces (insightface's t1.jpg panned and zoomed)."""
    from tests.videofactory import face_video

    return face_video(
        folder / "bench_720p.mp4", seconds=seconds, fps=25, size=(1280, 720)
    )


def new_way(clip: Path, detector, finder, n_frames: int) -> dict[str, float]:
    """models.pipelines.detect: sample n frames by seeking, batched faces, one scoring batch."""
    from models.pipelines.detect import detect_video

    t = time.perf_counter()
    result = detect_video(clip, detector, finder, n_frames=n_frames)
    timings = dict(result.timings, total=time.perf_counter() - t)
    timings["p_fake"] = result.fake_probability
    return timings


def baseline(clip: Path, detector, max_side: int = 640) -> dict[str, float]:
    """The earlier projects: decode every frame, resize every frame, MTCNN on every frame, predict() per frame."""
    import cv2
    import numpy as np
    from mtcnn import MTCNN

    from models.faces.crop import crop_face

    timings = {"decode": 0.0, "faces": 0.0, "scoring": 0.0}
    mtcnn, scores = MTCNN(device="CPU:0"), []
    cap, start = cv2.VideoCapture(str(clip)), time.perf_counter()
    while True:
        t = time.perf_counter()
        ok, bgr = cap.read()
        if not ok:
            break
        h, w = bgr.shape[:2]
        rgb = cv2.resize(bgr, (max_side, int(h * max_side / w)))[:, :, ::-1].copy()
        t1 = time.perf_counter()
        faces = mtcnn.detect_faces(rgb)
        t2 = time.perf_counter()
        if faces:
            x, y, fw, fh = max(faces, key=lambda f: f["box"][2] * f["box"][3])["box"]
            crop = (
                crop_face(rgb, (x, y, x + fw, y + fh), size=256).astype("float32")
                / 255.0
            )
            scores.append(
                1.0 - float(detector.model.predict(crop[None], verbose=0)[0, 0])
            )
        t3 = time.perf_counter()
        timings["decode"] += t1 - t
        timings["faces"] += t2 - t1
        timings["scoring"] += t3 - t2
    timings["total"] = time.perf_counter() - start
    timings["p_fake"] = float(np.mean(scores)) if scores else float("nan")
    timings["frames"] = len(scores)
    return timings


def line(label: str, t: dict[str, float]) -> str:
    return (
        f"{label:<34} decode {t['decode']:6.2f} s  faces {t['faces']:6.2f} s  scoring {t['scoring']:6.2f} s  "
        f"total {t['total']:6.2f} s  P(fake) {t['p_fake']:.3f}"
    )


def torch_rows(clip: Path, folder: Path, models_dir: Path) -> None:
    """LRNet and ResNeXt50+LSTM on the same clip, split into decode, faces, landmarks or backbone, head."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import detect_torch

    warm = detect_torch.make_clip(folder, 1.4, "warm.mp4")
    detect_torch.bench_lrnet(clip, warm, models_dir, "scrfd")
    detect_torch.bench_resnext(clip, warm, folder)


SHIPPED = ("blend_consistency", "sbi_mobilenet_v2", "sbi_gru")


def default_rows(folder: Path, seconds: float, frames: int, models_dir: Path | None) -> None:
    """The fresh offline machine: no downloaded weights (an empty models folder), the shipped detector and finder,
    on a 1280x720 clip of one person (a talking-head framing). Then an ensemble of every built-in frame detector
    that can run here (one face pass) against the slowest single one.
    """
    from models.detectors import DEFAULT_ORDER
    from tests.videofactory import face_video, one_face_photo

    clip = face_video(folder / "one_person_720p.mp4", seconds=seconds, fps=25, size=(1280, 720),
                      photo=one_face_photo())
    from models.detectors import detector_status, frame_detectors, load_detector
    from models.faces import get_face_finder
    from models.pipelines.detect import detect_video, face_pass, score_pass

    with tempfile.TemporaryDirectory() as empty:
        finder = get_face_finder("auto", Path(empty))
        detector = load_detector(DEFAULT_ORDER[0], Path(empty))
        detect_video(clip, detector, finder, n_frames=4)  # warm-up: first calls of torch and OpenCV
        t = time.perf_counter()
        result = detect_video(clip, detector, finder, n_frames=frames)
        total = time.perf_counter() - t
    print(line(f"default, no downloads ({finder.name} + {detector.name}, {frames} frames, one person)",
               dict(result.timings, total=total, p_fake=result.fake_probability)))
    where = models_dir or Path(empty)
    names = [n for n in frame_detectors() if detector_status(where).get(n) is None]
    detectors = [load_detector(n, where) for n in names]
    for d in detectors:
        score_pass(face_pass(clip, finder, n_frames=4), d)  # warm-up
    from models.detectors.sbi import TRUNKS

    singles = {}
    for d in detectors:
        TRUNKS.items.clear()  # alone means alone: no trunk output left over from another detector
        t = time.perf_counter()
        score_pass(face_pass(clip, finder, n_frames=frames), d)
        singles[d.name] = time.perf_counter() - t
        print(f"  alone: {d.name:<22} {singles[d.name]:6.2f} s")
    for label, chosen in (("shipped", [d for d in detectors if d.name in SHIPPED]), ("all built-in", detectors)):
        TRUNKS.items.clear()
        t = time.perf_counter()
        fp = face_pass(clip, finder, n_frames=frames)
        for d in chosen:
            score_pass(fp, d)
        together = time.perf_counter() - t
        slowest = max((d.name for d in chosen), key=singles.get)
        print(f"ensemble of {label} detectors ({len(chosen)}: {', '.join(d.name for d in chosen)}): "
              f"{together:.2f} s; slowest alone ({slowest}) {singles[slowest]:.2f} s; "
              f"ratio ensemble/slowest {together / singles[slowest]:.2f}")
    print(f"ratio default total / 1.5 s goal: {total / 1.5:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models-dir", type=Path, default=None)
    parser.add_argument("--default", action="store_true",
                        help="the offline default (no downloaded weights) and the one-face-pass ensemble")
    parser.add_argument("--detector", default="meso4_df")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--frames", type=int, default=32)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--torch", action="store_true", help="also the LRNet and ResNeXt50+LSTM rows")
    args = parser.parse_args()

    from models.detectors import load_detector
    from models.faces import face_finder_status, get_face_finder
    from models.media import probe

    with tempfile.TemporaryDirectory() as tmp:
        clip = make_clip(Path(tmp), args.seconds)
        info = probe(clip)
        print(
            f"clip: {info.width}x{info.height}, {info.frames} frames, {info.duration:.1f} s; "
            f"detector {args.detector}; {args.frames} sampled frames"
        )
        if args.default or args.models_dir is None:
            default_rows(Path(tmp), args.seconds, args.frames, args.models_dir)
            return
        detector = load_detector(args.detector, args.models_dir)
        runs = {}
        finders = ["mtcnn"] + [
            n
            for n in ("scrfd", "yunet")
            if face_finder_status(args.models_dir)[n] is None
        ]
        for name in finders:
            finder = get_face_finder(name, args.models_dir)
            new_way(
                clip, detector, finder, 4
            )  # warm-up: graph tracing, onnx session, first-call costs
            runs[name] = new_way(clip, detector, finder, args.frames)
            print(line(f"new ({name}, {args.frames} frames)", runs[name]))
        if args.torch:
            torch_rows(clip, Path(tmp), args.models_dir)
        if args.no_baseline:
            return
        base = baseline(clip, detector)
        print(line(f"baseline (mtcnn, all {base['frames']:.0f} frames)", base))
        for name, t in runs.items():
            print(f"ratio baseline/new ({name}): {base['total'] / t['total']:.1f}x")


if __name__ == "__main__":
    main()
