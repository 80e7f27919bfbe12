"""Benchmark: seconds per video for DenseNet169 + GRU (20 frames) on a 10 s 1280x720 clip, by stage,
against the earlier projects' way (decode the whole video, one face-detection and one predict call per frame).

DenseNet169 has random weights here unless its ImageNet file is installed: timing does not depend on them.
Run: .venv/bin/python bench/features.py [--models-dir DIR] [--repeats 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
N_FRAMES = 20


def make_clip(folder: Path) -> Path:
    """10 s, 30 fps, 1280x720 H.264 + AAC of real faces (insightface's t1.jpg panned and zoomed)."""
    from tests.videofactory import face_video

    return face_video(folder / "bench_720p_10s.mp4", seconds=10.0, fps=30, size=(1280, 720))


def new_way(clip: Path, backbone, finder, head) -> dict[str, float]:
    """Seek to 20 frames, one batched face call, crops through the backbone in one batch, one head call."""
    from models.faces.crop import crop_face
    from models.media import sample_frames

    t0 = time.perf_counter()
    frames = sample_frames(clip, N_FRAMES)
    t1 = time.perf_counter()
    faces = finder.detect([f[2] for f in frames])
    t2 = time.perf_counter()
    mask = np.array([bool(found) for found in faces] + [False] * (N_FRAMES - len(faces)))
    crops = [crop_face(f[2], found[0].box, size=backbone.input_size) for f, found in zip(frames, faces) if found]
    feats = np.zeros((N_FRAMES, backbone.dim), np.float32)
    feats[mask] = backbone.features(np.stack(crops))
    t3 = time.perf_counter()
    p = float(np.asarray(head.predict_on_batch([feats[None], mask[None]]))[0, 0])
    t4 = time.perf_counter()
    return {"decode": t1 - t0, "faces": t2 - t1, "backbone": t3 - t2, "head": t4 - t3, "total": t4 - t0,
            "faces_found": int(mask.sum()), "p_fake": p}


def old_way(clip: Path, model, preprocess, finder, head, side: int) -> dict[str, float]:
    """Decode every frame (cv2), keep 20 evenly spaced, detect and predict() frame by frame."""
    import cv2

    from models.faces.crop import crop_face

    t0 = time.perf_counter()
    cap, frames = cv2.VideoCapture(str(clip)), []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(bgr[:, :, ::-1])
    keep = [frames[int(i)] for i in np.linspace(0, len(frames) - 1, N_FRAMES)]
    t1 = time.perf_counter()
    faces = [finder.detect([f])[0] for f in keep]
    t2 = time.perf_counter()
    feats, mask = np.zeros((N_FRAMES, model.output_shape[-1]), np.float32), np.zeros(N_FRAMES, bool)
    for i, (frame, found) in enumerate(zip(keep, faces)):
        if found:
            crop = crop_face(frame, found[0].box, size=side).astype(np.float32)
            feats[i], mask[i] = model.predict(preprocess(crop[None]), verbose=0)[0], True
    t3 = time.perf_counter()
    p = float(head.predict([feats[None], mask[None]], verbose=0)[0, 0])
    t4 = time.perf_counter()
    return {"decode": t1 - t0, "faces": t2 - t1, "backbone": t3 - t2, "head": t4 - t3, "total": t4 - t0,
            "decoded_frames": len(frames), "p_fake": p}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", type=Path, default=ROOT.parent / "shared" / "weights")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    import keras

    from models.backbones import load_backbone
    from models.faces import get_face_finder
    from models.heads import build_head, head_config

    backbone = load_backbone("densenet169", args.models_dir, allow_random=True)
    finder = get_face_finder("mtcnn", args.models_dir)
    head = build_head(head_config("densenet169_gru"))
    preprocess = keras.applications.densenet.preprocess_input
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_clip(Path(tmp))
        new_way(clip, backbone, finder, head)  # warm-up: traces the backbone and head once
        old_way(clip, backbone.model, preprocess, finder, head, backbone.input_size)
        runs = [(new_way(clip, backbone, finder, head), old_way(clip, backbone.model, preprocess, finder, head,
                                                                 backbone.input_size)) for _ in range(args.repeats)]
    report(runs, backbone)


def report(runs, backbone) -> None:
    """Median seconds per stage for both ways, and the ratio."""
    weights = "ImageNet" if backbone.pretrained else "RANDOM weights (timing only; no ImageNet file installed)"
    print(f"DenseNet169 ({weights}) + GRU head, 10 s 1280x720 30 fps clip, {N_FRAMES} frames, mtcnn at 640 px")
    print(f"{'stage':10s} {'new (s)':>9s} {'earlier (s)':>12s} {'ratio':>7s}")
    for stage in ("decode", "faces", "backbone", "head", "total"):
        new = float(np.median([r[0][stage] for r in runs]))
        old = float(np.median([r[1][stage] for r in runs]))
        print(f"{stage:10s} {new:9.3f} {old:12.3f} {old / new:6.1f}x")
    print(f"faces found {runs[0][0]['faces_found']}/{N_FRAMES}; earlier way decoded {runs[0][1]['decoded_frames']} "
          f"frames; P(fake) new {runs[0][0]['p_fake']:.4f} vs earlier {runs[0][1]['p_fake']:.4f}")


if __name__ == "__main__":
    main()
