"""Benchmark: the invisible watermark on real public-dev clips, through what happens to a video after it leaves.

Each clip's first --seconds are marked frame by frame at their times (as a generation job marks them) and written
by the portal's encoder; an unmarked copy is written alongside. Both then go through each attack (H.264 crf 28,
a second crf 28, a 10% crop + crf 28, a 50% downscale + crf 23 and + crf 28) and are read by extract_video, as a
detection job reads an upload. Prints, per attack: on how many clips the job id is read, false readings on the
unmarked copies and the strongest phase peak the unmarked copies reach (the reader's threshold is
watermark.MIN_PEAK_CHECKED). With --compare, the same with the sign held constant (the mark before it alternated),
in the same run. Clips come from ../shared/datasets/public-dev (never committed).
Usage: python -m bench.watermark [--seconds 4] [--compare] [--clips real/A.mp4 real/B.mp4 ...]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from itertools import islice
from pathlib import Path

import numpy as np

from models.media import VideoWriter, iter_frames, probe, sample_frames
from models.provenance import watermark

DATASET = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "public-dev"
CLIPS = ("real/latentsync_demo1_video.mp4", "real/ffpp_actors_c40_07__talking_against_wall.mp4",
         "real/ffpp_youtube_c40_599.mp4", "real/ffpp_youtube_c40_183.mp4", "real/ffpp_youtube_c40_469.mp4",
         "real/ffppdemo_original_2.mp4", "real/videoretalking_face1.mp4", "real/sadtalker_WDA_BobMenendez_000.mp4")
PAYLOAD = 0x2F6E41C3
ATTACKS = {  # name: (passes of (scale, crop share, crf))
    "crf 28": ((1.0, 0.0, 28),),
    "2nd crf 28": ((1.0, 0.0, 28), (1.0, 0.0, 28)),
    "10% crop + crf 28": ((1.0, 0.1, 28),),
    "50% down + crf 23": ((0.5, 0.0, 23),),
    "50% down + crf 28": ((0.5, 0.0, 28),),
}


def write_pair(clip: Path, seconds: float, tmp: Path, alternating: bool) -> tuple[Path, Path]:
    """(marked, unmarked) copies of the clip's first seconds, written by the portal's encoder."""
    info = probe(clip)
    marked, plain = tmp / f"{clip.stem}_marked.mp4", tmp / f"{clip.stem}_plain.mp4"
    with VideoWriter(marked, info.width, info.height, info.fps) as mw, \
            VideoWriter(plain, info.width, info.height, info.fps) as pw:
        first = None
        for _, t, rgb in islice(iter_frames(clip), max(2, int(seconds * info.fps))):
            rgb = rgb[: rgb.shape[0] // 2 * 2, : rgb.shape[1] // 2 * 2]
            first = t if first is None else first
            mw.write(watermark.embed(rgb, PAYLOAD, t - first if alternating else 0.0), t)
            pw.write(rgb, t)
    return marked, plain


def attacked(video: Path, passes, out: Path) -> Path:
    """The video after each (scale, crop, crf) pass in turn: cropped at the centre, resized, re-encoded."""
    for k, (scale, crop, crf) in enumerate(passes):
        info = probe(video)
        cy, cx = int(info.height * crop / 2), int(info.width * crop / 2)
        size = (int((info.width - 2 * cx) * scale) // 2 * 2, int((info.height - 2 * cy) * scale) // 2 * 2)
        target = out.with_name(f"{out.stem}_{k}.mp4")
        with VideoWriter(target, *size, info.fps, crf=crf, preset="medium") as writer:
            for _, t, rgb in iter_frames(video):
                writer.write(np.ascontiguousarray(rgb[cy: info.height - cy, cx: info.width - cx]), t)
        video = target
    return video


def read(video: Path) -> tuple[bool, float]:
    """(extract_video found our payload, the tiled layer's strongest phase peak)."""
    sampled = sample_frames(video, watermark.FRAMES_READ)
    reading = watermark.read_frames([rgb for _, _, rgb in sampled], times=[t for _, t, _ in sampled])
    return watermark.extract_video(video), (reading.peak if reading is not None else 0.0)


def run(clips: list[Path], seconds: float, alternating: bool, tmp: Path) -> None:
    rows = {name: [] for name in ATTACKS}
    for clip in clips:
        start = time.perf_counter()
        marked, plain = write_pair(clip, seconds, tmp, alternating)
        line = []
        for name, passes in ATTACKS.items():
            found, peak = read(attacked(marked, passes, tmp / f"{clip.stem}_m"))
            false, false_peak = read(attacked(plain, passes, tmp / f"{clip.stem}_u"))
            rows[name].append((found == PAYLOAD, false is not None, peak, false_peak))
            verdict = "read" if found == PAYLOAD else "NOT read"
            line.append(f"{name}: {verdict} (peak {peak:.1f}, unmarked {false_peak:.1f})")
        info = probe(clip)
        print(f"  {clip.stem} {info.width}x{info.height} ({time.perf_counter() - start:.0f} s): " + "; ".join(line),
              flush=True)
    for name, results in rows.items():
        read_ok, false, _, false_peak = zip(*results)
        print(f"  {name:18s} read on {sum(read_ok)} of {len(results)} clips | false readings on unmarked copies "
              f"{sum(false)} | strongest unmarked peak {max(false_peak):.2f} (threshold {watermark.MIN_PEAK_CHECKED})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--clips", nargs="*", default=list(CLIPS))
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--compare", action="store_true", help="also the mark with a constant sign")
    args = parser.parse_args()
    clips = [args.dataset / c for c in args.clips if (args.dataset / c).is_file()]
    if not clips:
        raise SystemExit(f"no clip found under {args.dataset}: this bench needs the public-dev dataset")
    tmp = Path(tempfile.mkdtemp(prefix="bench_watermark_"))
    modes = (True, False) if args.compare else (True,)
    for alternating in modes:
        print(f"sign {'alternating every ' + str(watermark.SEGMENT) + ' s' if alternating else 'constant'}, "
              f"first {args.seconds:g} s of {len(clips)} clips, read from {watermark.FRAMES_READ} frames")
        run(clips, args.seconds, alternating, tmp)


if __name__ == "__main__":
    main()
