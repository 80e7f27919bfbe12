"""Benchmark: swap frames per second at 1280x720 for each available swapper, and pipeline overhead.

Prints, per swapper: its own swap time per frame (all faces of a frame), the whole job's time per frame
(decode, detect, smooth, swap, label, watermark, encode), the job's fps, and the ratio job / swap.
Usage: python -m bench.swap [--models-dir DIR] [--frames N] [--finder auto]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from models.faces import get_face_finder
from models.media import iter_frames
from models.pipelines.generate import analyse_source, generate_video
from models.provenance import build_manifest
from models.swappers import get_swapper, swapper_status
from tests.videofactory import face_video, real_photo


def swap_seconds_per_frame(swapper, identity, frames, faces) -> float:
    """The swapper's own time for all faces of a frame, averaged over the frames."""
    start = time.perf_counter()
    for rgb, found in zip(frames, faces):
        for face in found:
            rgb = swapper.swap(rgb, face, identity)
    return (time.perf_counter() - start) / len(frames)


def bench_one(name: str, models_dir, finder, video: Path, source: Path, frames, faces, out_dir: Path) -> dict:
    swapper = get_swapper(name, models_dir)
    identity = analyse_source(source, swapper, finder)
    own = swap_seconds_per_frame(swapper, identity, frames, faces)
    result = generate_video(source, video, out_dir / f"{name}.mp4", swapper, finder, payload=1,
                            manifest=build_manifest(swapper=name))
    job = result.seconds / result.frames
    return {"swapper": name, "swap_s": own, "job_s": job, "job_fps": 1 / job, "ratio": job / own,
            "faces_per_frame": result.faces_swapped / result.frames, "timings": result.timings}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "weights")
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--finder", default="auto")
    args = parser.parse_args()
    from PIL import Image

    tmp = Path(tempfile.mkdtemp(prefix="bench_swap_"))
    video = face_video(tmp / "hd.mp4", seconds=args.frames / 10, fps=10, size=(1280, 720))
    source = tmp / "source.png"
    Image.fromarray(real_photo("t1")[200:520, 380:640]).save(source)
    finder = get_face_finder(args.finder, args.models_dir if args.models_dir.is_dir() else None)
    frames = [rgb for _, _, rgb in iter_frames(video)]
    faces = finder.detect(frames)
    print(f"1280x720, {len(frames)} frames, face finder {finder.name}, {sum(map(len, faces)) / len(frames):.1f} faces/frame")
    for name, reason in swapper_status(args.models_dir).items():
        if reason:
            print(f"{name:14s} skipped: {reason[:90]}")
            continue
        r = bench_one(name, args.models_dir, finder, video, source, frames, faces, tmp)
        stages = ", ".join(f"{k} {v / len(frames) * 1000:.0f} ms" for k, v in r["timings"].items())
        print(f"{name:14s} swap {r['swap_s'] * 1000:.0f} ms/frame ({1 / r['swap_s']:.1f} fps) | job "
              f"{r['job_s'] * 1000:.0f} ms/frame ({r['job_fps']:.2f} fps) | job/swap ratio {r['ratio']:.2f}")
        print(f"{'':14s} per frame: {stages}")


if __name__ == "__main__":
    main()
