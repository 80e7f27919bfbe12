"""Benchmark: one generation job on real material; speed, swap quality and watermark figures as ratios.

Target: the first --frames frames of a real public-dev video; source: a frame of another person's real video
(defaults below; both from ../shared/datasets/public-dev, never committed). Prints, per available swapper:
- speed: its own swap time per frame, the whole job's time per frame, and the ratio job / swap (goal <= 1.3);
- quality, measured on the encoded output: identity distance of each swapped face to the source (dlib 128-D;
  pass rate under 0.6, goal >= 80%), correlation of mouth opening and of eye opening (blinks) between target
  and output landmarks (goal >= 0.8 each), seam ratio (gradient energy along the mask edge vs the face interior)
  of the output over that of the untouched target (goal close to 1);
- watermark: worst 16x16-block SSIM of a marked frame against the unmarked one (goal >= 0.98), and whether the
  job id is read back after a crf-28 re-encode and after a 50% downscale (as decoded/tried).
Side-by-side frames (target | output) are saved under test-artifacts/bench_swap/.
Usage: python -m bench.swap [--frames 24] [--stride 5] [--target real/X.mp4] [--source real/Y.mp4]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from itertools import islice
from pathlib import Path

import numpy as np

from models.faces import get_face_finder
from models.media import VideoWriter, iter_frames, probe, sample_frames
from models.pipelines.generate import SwapRequest, analyse_source, generate_video
from models.provenance import build_manifest, embed, extract_video
from models.swappers import get_swapper, swapper_status

SHARED = Path(__file__).resolve().parents[2] / "shared"
DATASET = SHARED / "datasets" / "public-dev"
TARGET = "real/ffpp_youtube_c40_183.mp4"  # a man talking to camera, 1280x720
SOURCE = "real/videoretalking_face1.mp4"  # another man, frontal, evenly lit
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "bench_swap"
PAYLOAD = 4242


def clip(video: Path, out: Path, frames: int, stride: int) -> Path:
    """`frames` frames, every `stride`-th, from the start of a video, re-encoded at their own times (the bench
    times the job, not the video's length; the stride lets the mouth move between the frames measured)."""
    info = probe(video)
    with VideoWriter(out, info.width, info.height, info.fps / stride, crf=18) as writer:
        for _, t, rgb in islice(iter_frames(video), 0, frames * stride, stride):
            writer.write(rgb, t)
    return out


def source_photo(video: Path, out: Path) -> Path:
    """A frame of the source video, saved as the photo a user would upload."""
    from PIL import Image

    Image.fromarray(sample_frames(video, 1)[0][2]).save(out)
    return out


def swap_seconds_per_frame(swapper, identity, frames, faces) -> tuple[float, float]:
    """The swapper's own time for all faces of a frame, averaged over the frames: (wall, CPU of the process)."""
    start, cpu = time.perf_counter(), time.process_time()
    for rgb, found in zip(frames, faces):
        for face in found:
            rgb = swapper.swap(rgb, face, identity)
    return (time.perf_counter() - start) / len(frames), (time.process_time() - cpu) / len(frames)


def quality(source: Path, frames, faces, output: Path, finder, name: str) -> dict:
    """Identity pass rate, mouth and eye correlations and seam ratio over the frames whose target shows a face."""
    from models.landmarks import Dlib68, eye_opening, mouth_opening
    from models.media import read_image
    from models.recognition import DlibDescriptor, distance
    from models.recognition.dlib_descriptor import SAME_PERSON
    from models.swappers.quality import correlation, seam_ratio

    desc, marks = DlibDescriptor(), Dlib68()
    src = read_image(source)
    src_desc = desc.embed(src, max(finder.detect([src])[0], key=lambda f: f.area))
    rows = []
    for k, (rgb, found, (_, _, out)) in enumerate(zip(frames, faces, iter_frames(output))):
        if not found:
            continue
        face = max(found, key=lambda f: f.area)
        before, after = marks.landmarks(rgb, face.box), marks.landmarks(out, face.box)
        rows.append((distance(desc.embed(out, face), src_desc), distance(desc.embed(rgb, face), src_desc),
                     mouth_opening(before), mouth_opening(after), eye_opening(before), eye_opening(after),
                     seam_ratio(out, before), seam_ratio(rgb, before)))
        if k % max(1, len(frames) // 4) == 0:
            save_pair(rgb, out, face, ARTIFACTS / f"{name}_{source.stem}_frame{k:03d}.png")
    d, d0, m_t, m_o, e_t, e_o, s_o, s_t = (np.array(c) for c in zip(*rows))
    return {"faces": len(rows), "identity_pass": float(np.mean(d < SAME_PERSON)), "identity_mean": float(d.mean()),
            "identity_before": float(d0.mean()), "mouth_corr": correlation(m_t, m_o),
            "mouth_range": (float(m_t.min()), float(m_t.max())), "eye_corr": correlation(e_t, e_o),
            "eye_range": (float(e_t.min()), float(e_t.max())), "seam_ratio": float(np.nanmean(s_o) / np.nanmean(s_t))}


def save_pair(before: np.ndarray, after: np.ndarray, face, path: Path) -> None:
    """Target | output around the face, side by side, for looking at."""
    from PIL import Image

    x1, y1, x2, y2 = (int(v) for v in face.box)
    m = int(0.5 * (x2 - x1))
    box = (max(0, y1 - m), y2 + m, max(0, x1 - m), x2 + m)
    path.parent.mkdir(parents=True, exist_ok=True)
    crop = [img[box[0]:box[1], box[2]:box[3]] for img in (before, after)]
    Image.fromarray(np.concatenate(crop, axis=1)).save(path)


def watermark(frame: np.ndarray, output: Path, tmp: Path) -> dict:
    """Invisibility (worst 16x16-block SSIM, two ways) and robustness (read back after crf 28 and after a 50%
    downscale re-encoded at crf 23 and at crf 28)."""
    from models.provenance.qim import block_ssim

    marked = embed(frame, PAYLOAD)
    info = probe(output)
    luma = (frame.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32),
            marked.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32))
    results = {"worst_block_ssim": float(block_ssim(*luma).min()), "worst_window_ssim": worst_block_ssim(frame, marked)}
    for label, scale, crf in (("crf28", 1.0, 28), ("half", 0.5, 23), ("half28", 0.5, 28)):
        w, h = int(info.width * scale) // 2 * 2, int(info.height * scale) // 2 * 2
        copy = tmp / f"reencoded_{label}.mp4"
        with VideoWriter(copy, w, h, info.fps, crf=crf) as writer:
            for _, t, rgb in iter_frames(output):
                writer.write(rgb, t)
        results[label] = extract_video(copy) == PAYLOAD
    return results


def worst_block_ssim(a: np.ndarray, b: np.ndarray, block: int = 16) -> float:
    """The lowest SSIM of any block x block tile (luma), where a block pattern would show first."""
    from skimage.metrics import structural_similarity

    ga, gb = (img.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32) for img in (a, b))
    _, full = structural_similarity(ga, gb, data_range=255.0, full=True)
    h, w = (s - s % block for s in full.shape)
    return float(full[:h, :w].reshape(h // block, block, w // block, block).mean(axis=(1, 3)).min())


def pipeline_without_marking(source: Path, target: Path, swapper, finder, tmp: Path) -> tuple[float, float]:
    """Diagnostic: the job with labelling and watermarking switched off (what the frame pipeline costs): its
    (wall, CPU of the process) per frame."""
    import models.pipelines.generate as generate

    saved = generate.visible_mark, generate.embed_watermark
    generate.visible_mark, generate.embed_watermark = (lambda rgb: rgb), (lambda rgb, payload, t=0.0: rgb)
    cpu = time.process_time()
    try:
        result = generate_video(SwapRequest(source, target, tmp / "unmarked.mp4", PAYLOAD,
                                            build_manifest(swapper=swapper.name)), swapper, finder)
    finally:
        generate.visible_mark, generate.embed_watermark = saved
    return result.seconds / result.frames, (time.process_time() - cpu) / result.frames


def cpu_bound(job_cpu: float, swap_cpu: float) -> float:
    """The least job/swap ratio idle cores allow: the job's CPU spread over all of them, against the swap's own."""
    return max(1.0, job_cpu / (os.cpu_count() or 1) / swap_cpu)


def bench_one(name: str, models_dir, finder, target: Path, source: Path, frames, faces, tmp: Path,
              unmarked: bool = False) -> None:
    swapper = get_swapper(name, models_dir)
    identity = analyse_source(source, swapper, finder)
    before = swap_seconds_per_frame(swapper, identity, frames, faces)
    out = tmp / f"{name}.mp4"
    cpu = time.process_time()
    result = generate_video(SwapRequest(source, target, out, PAYLOAD, build_manifest(swapper=name)), swapper, finder)
    cpu = (time.process_time() - cpu) / result.frames
    after = swap_seconds_per_frame(swapper, identity, frames, faces)  # the baseline before and after the job
    own, own_cpu = (before[0] + after[0]) / 2, (before[1] + after[1]) / 2
    job = result.seconds / result.frames
    if unmarked:
        plain, plain_cpu = pipeline_without_marking(source, target, swapper, finder, tmp)
        print(f"{'':14s} without labelling and watermarking: job/swap ratio {plain / own:.2f}, CPU "
              f"{plain_cpu * 1000:.0f} ms/frame over all threads (idle-core bound {cpu_bound(plain_cpu, own_cpu):.2f})")
    per_frame = {k: v / result.frames * 1000 for k, v in result.timings.items()}
    stages = ", ".join(f"{k} {v:.0f} ({result.cpu.get(k, 0.0) / result.frames * 1000:.0f})"
                       for k, v in per_frame.items())
    print(f"{name:14s} speed: swap {own * 1000:.0f} ms/frame | job {job * 1000:.0f} ms/frame ({1 / job:.2f} fps) "
          f"| job/swap ratio {job / own:.2f} (goal <= 1.3)")
    print(f"{'':14s} stage ms/frame, wall (CPU of the stage's thread); the stages overlap: {stages}")
    print(f"{'':14s} CPU: job {cpu * 1000:.0f} ms/frame over all threads, swap alone {own_cpu * 1000:.0f} (CPU ratio "
          f"{cpu / own_cpu:.2f}); on {os.cpu_count() or 1} idle cores the job/swap ratio cannot beat "
          f"{cpu_bound(cpu, own_cpu):.2f} (CPU against CPU: on a busy machine the wall clock says little); "
          f"load average now {os.getloadavg()[0]:.1f}")
    q = quality(source, frames, faces, out, finder, name)
    print(f"{'':14s} quality over {q['faces']} faces: identity pass rate {q['identity_pass']:.2f} (goal >= 0.80; "
          f"mean distance {q['identity_mean']:.3f}, target's own {q['identity_before']:.3f}) | mouth correlation "
          f"{q['mouth_corr']:.2f} (goal >= 0.8; opening {q['mouth_range'][0]:.2f}-{q['mouth_range'][1]:.2f}) | eye "
          f"correlation {q['eye_corr']:.2f} (goal >= 0.8; opening {q['eye_range'][0]:.2f}-{q['eye_range'][1]:.2f}) | "
          f"seam ratio output/target {q['seam_ratio']:.2f} (goal ~1)")
    w = watermark(frames[0], out, tmp)
    print(f"{'':14s} watermark: read back from the job {extract_video(out) == PAYLOAD} | worst 16x16-block SSIM "
          f"{w['worst_block_ssim']:.4f} (each block's own statistics, as the tests; goal >= 0.98), worst block mean "
          f"of the 7x7-window SSIM map {w['worst_window_ssim']:.4f} (stricter at edges next to flat dark areas) | "
          f"after crf 28 {w['crf28']} | after 50% downscale + crf 23 {w['half']}, + crf 28 {w['half28']}")


def inputs(args, tmp: Path) -> tuple[Path, Path]:
    """(target clip, source photo): real public-dev material, or the made video when the dataset is absent."""
    if (args.dataset / args.target).is_file() and (args.dataset / args.source).is_file():
        print(f"target {args.target} ({args.frames} frames, every {args.stride}th), source a frame of {args.source}")
        return clip(args.dataset / args.target, tmp / "target.mp4", args.frames, args.stride), \
            source_photo(args.dataset / args.source, tmp / f"{Path(args.source).stem}.png")
    from PIL import Image

    from tests.videofactory import face_video, real_photo

    print(f"{args.dataset} not found: a made video of t1.jpg and a crop of it (not real material)")
    source = tmp / "source.png"
    Image.fromarray(real_photo("t1")[200:520, 380:640]).save(source)
    return face_video(tmp / "target.mp4", seconds=args.frames / 10, fps=10, size=(1280, 720)), source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", type=Path, default=SHARED / "weights")
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--target", default=TARGET)
    parser.add_argument("--source", default=SOURCE)
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--stride", type=int, default=5)
    parser.add_argument("--finder", default="auto")
    parser.add_argument("--without-marking", action="store_true", help="also time the job with marking switched off")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_swap_"))
    target, source = inputs(args, tmp)
    finder = get_face_finder(args.finder, args.models_dir if args.models_dir.is_dir() else None)
    frames = [rgb for _, _, rgb in iter_frames(target)]
    faces = finder.detect(frames)
    info = probe(target)
    print(f"{info.width}x{info.height}, {len(frames)} frames, face finder {finder.name}, "
          f"{sum(map(len, faces)) / len(frames):.1f} faces/frame")
    for name, reason in swapper_status(args.models_dir).items():
        if reason:
            print(f"{name:14s} skipped: {reason[:100]}")
            continue
        bench_one(name, args.models_dir, finder, target, source, frames, faces, tmp, args.without_marking)


if __name__ == "__main__":
    main()
