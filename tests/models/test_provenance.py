"""Provenance: invisible watermark through two H.264 encodes, visible label, manifest in the mp4."""

from __future__ import annotations

import numpy as np

from models.media import VideoWriter, iter_frames, probe
from models.provenance import build_manifest, extract, extract_video, read_manifest, to_metadata, visible_mark
from models.provenance import embed as embed_mark

JOB_ID = 0xC0FFEE42


def reencode(src, dst, crf: int = 28):
    """A plain PyAV re-encode at a lower quality: what an upload to a video site does."""
    import av

    with av.open(str(src)) as i, av.open(str(dst), "w") as o:
        v = i.streams.video[0]
        s = o.add_stream("libx264", rate=v.average_rate, options={"crf": str(crf)})
        s.width, s.height, s.pix_fmt = v.width, v.height, "yuv420p"
        for frame in i.decode(v):
            for p in s.encode(av.VideoFrame.from_ndarray(frame.to_ndarray(format="rgb24"), format="rgb24")):
                o.mux(p)
        for p in s.encode():
            o.mux(p)
    return dst


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / mse))


def test_watermark_survives_two_h264_encodes(face_video, tmp_path):
    frames = [rgb for _, _, rgb in iter_frames(face_video)]
    marked = [embed_mark(f, JOB_ID) for f in frames]
    quality = min(psnr(a, b) for a, b in zip(frames, marked))
    assert quality > 38.0, f"PSNR {quality:.1f} dB"
    assert extract(marked[0]) == JOB_ID
    h, w = frames[0].shape[:2]
    with VideoWriter(tmp_path / "marked.mp4", w, h, 10) as writer:
        for f in marked:
            writer.write(f)
    assert extract_video(tmp_path / "marked.mp4") == JOB_ID
    again = reencode(tmp_path / "marked.mp4", tmp_path / "crf28.mp4", 28)
    assert extract_video(again) == JOB_ID
    per_frame = [extract(rgb) for _, _, rgb in iter_frames(again)]
    assert sum(v == JOB_ID for v in per_frame) >= 0.8 * len(per_frame)


def test_unmarked_videos_carry_no_id(face_video, blank_video):
    assert extract_video(face_video) is None
    assert extract_video(blank_video) is None


def test_other_ids_do_not_collide(face_video):
    _, _, frame = next(iter(iter_frames(face_video)))
    for job_id in (0, 1, 2**32 - 1, 123456789):
        assert extract(embed_mark(frame, job_id)) == job_id


def test_visible_mark_in_a_corner():
    frame = np.full((360, 640, 3), 128, np.uint8)
    out = visible_mark(frame)
    changed = np.argwhere((out != frame).any(-1))
    assert len(changed) > 500
    assert changed[:, 0].min() > 360 * 0.75 and changed[:, 1].min() > 640 * 0.6  # bottom-right only
    assert out[changed[:, 0], changed[:, 1]].max() == 255  # white text on the darkened box
    assert out[changed[:, 0], changed[:, 1]].min() < 80


def test_manifest_round_trip(tmp_path, blank_video):
    manifest = build_manifest(portal="lab", job_id=42, requester="a@lab", approver="b@lab", swapper="classical",
                              weights_sha256={}, inputs_sha256={"source": "ab" * 32, "target": "cd" * 32})
    assert manifest["time"] and manifest["schema"]
    frame = np.zeros((120, 160, 3), np.uint8)
    with VideoWriter(tmp_path / "m.mp4", 160, 120, 10, metadata=to_metadata(manifest)) as writer:
        for _ in range(3):
            writer.write(frame)
    assert probe(tmp_path / "m.mp4").frames >= 3
    assert read_manifest(tmp_path / "m.mp4") == manifest
    assert read_manifest(blank_video) is None
    assert read_manifest(tmp_path / "missing.mp4") is None
