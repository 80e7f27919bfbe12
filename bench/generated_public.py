"""The portal's own swaps on public real videos: does the shipped detector tell them from their targets?

Targets are public-dev real clips nobody here made; each gets the face of a person from another group (a frame of
another real clip) through the portal's generation pipeline (classical swapper, label, watermark). The detector
scores every target and every swap with its face pass; AUC with its bootstrap interval, as the lab benchmark does.
The portal's own watermark is NOT used here: this measures the model alone.

    .venv/bin/python bench/generated_public.py ../shared/datasets/public-dev [--detector sbi_mobilenet_v2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = ["real/lipnet_GRID_bbaf2n.mpg", "real/lipnet_GRID_lbax4n.mpg", "real/lipnet_GRID_sbwe5n.mpg",
           "real/lipnet_GRID_swiz3n.mpg", "real/videoretalking_face5.mp4", "real/pyfeat_single_face.mp4",
           "real/smirk_dafoe.mp4", "real/vexpress_hdtf_RD_Radio10_0_clip_0.mp4",
           "real/liveportrait_driving_d5.mp4", "real/spectre_MEAD_M030_level_3_angry_016.mp4"]
SOURCES = ["real/spectre_MEAD_W015_level_1_neutral_030.mp4", "real/smirk_skarsgard.mp4"]


def source_photo(video: Path, out: Path) -> Path:
    """A middle frame of a real clip, saved as the source photo."""
    import cv2

    from models.media import sample_frames

    _, _, rgb = sample_frames(video, 3)[1]
    cv2.imwrite(str(out), rgb[:, :, ::-1])
    return out


def main() -> None:
    from models.benchmark import metrics
    from models.detectors import load_detector
    from models.faces import get_face_finder
    from models.pipelines.detect import detect_video
    from models.pipelines.generate import SwapRequest, generate_video
    from models.provenance.manifest import build_manifest
    from models.swappers import get_swapper

    ap = argparse.ArgumentParser()
    ap.add_argument("dataset", type=Path)
    ap.add_argument("--detector", default="blend_consistency")
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--limit", type=int, default=len(TARGETS), help="only the first N targets (a quicker run)")
    args = ap.parse_args()
    finder = get_face_finder("auto", None)
    swapper = get_swapper("classical", None)
    detector = load_detector(args.detector, None)
    labels, scores = [], []
    with tempfile.TemporaryDirectory() as tmp:
        sources = [source_photo(args.dataset / s, Path(tmp) / f"src{i}.jpg") for i, s in enumerate(SOURCES)]
        for i, target in enumerate(TARGETS[:args.limit]):
            out = Path(tmp) / f"swap{i}.mp4"
            manifest = build_manifest(portal="bench", job_id=9000 + i, swapper="classical")
            generate_video(SwapRequest(sources[i % len(sources)], args.dataset / target, out, 9000 + i, manifest,
                                       select="largest"), swapper, finder)
            for label, path in ((0, args.dataset / target), (1, out)):
                p = detect_video(path, detector, finder, n_frames=args.frames).fake_probability
                labels.append(label)
                scores.append(p)
                print(f"{'swap ' if label else 'real '} {target:<48} P(fake) {p:.3f}", flush=True)
    m = metrics(labels, scores)
    print(f"\n{args.detector} on {min(args.limit, len(TARGETS))} public targets and their classical swaps: "
          f"AUC {m['auc']:.3f} "
          f"[{m['auc_ci95'][0]:.2f}, {m['auc_ci95'][1]:.2f}], accuracy {m['accuracy']:.2f}, "
          f"log loss {m['log_loss']:.3f}")


if __name__ == "__main__":
    main()
