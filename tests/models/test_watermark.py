"""The invisible watermark is unseen and survives what happens to a video after it leaves the portal.

Unseen: worst 16x16-block SSIM against the unmarked frame at least 0.98, on frames made here with flat dark
regions and on a real public-dev frame; zoomed crops of a dark flat region are written to test-artifacts/ to
look at. Robust: the job id is read back after H.264 crf 28, a second re-encode, a 50% downscale and a 10% crop;
a video copied at half size with crf 28 is read from its frames together.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from models.provenance.watermark import embed, extract_frames

JOB_ID = 0xC0FFEE42
ROOT = Path(__file__).resolve().parents[2]
REAL_CLIP = ROOT.parent / "shared" / "datasets" / "public-dev" / "real" / "ffpp_youtube_c40_599.mp4"
ARTIFACTS = ROOT / "test-artifacts" / "watermark"
FRAMES = 6
PORTAL_CRF = 20  # models.media.VideoWriter's quality: the portal's own output


def dark_scene(i: int, w: int = 1280, h: int = 720) -> np.ndarray:
    """A dark suit or car seat (flat, luma 26), a flat darker-than-mid area, a smooth gradient and texture that
    moves 2 px a frame (so the encoder predicts it from the previous frame, as in real footage)."""
    import cv2

    rng = np.random.default_rng(7)
    noise = [cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), s) for s in (1, 3, 8)]
    texture = np.roll(6 * noise[0] + 20 * noise[1] + 40 * noise[2], 2 * i, axis=1)
    y = np.full((h, w), 26.0, np.float32)
    y[:, w // 2 :] = 120 + texture[:, w // 2 :]
    y[h // 2 :, w // 4 : w // 2] = 60
    y[: h // 4, w // 2 :] = np.linspace(30, 90, w - w // 2)[None]
    return np.clip(np.stack([y * 0.9, y, y * 1.1], -1), 0, 255).astype(np.uint8)


def real_frames() -> list[np.ndarray]:
    """Every fifth frame of a real public-dev clip (1280x720, half of it dark and flat)."""
    import av

    if not REAL_CLIP.exists():
        pytest.skip(f"{REAL_CLIP} is absent (the shared datasets folder is not mounted here)")
    out = []
    with av.open(str(REAL_CLIP)) as container:
        for k, frame in enumerate(container.decode(video=0)):
            if k % 5 == 0:
                out.append(frame.to_ndarray(format="rgb24"))
            if len(out) == FRAMES:
                break
    return out


def encode(frames: list[np.ndarray], crf: int) -> list[np.ndarray]:
    """H.264 (libx264, yuv420p) at `crf` in memory, decoded again."""
    import av

    buf = io.BytesIO()
    h, w = frames[0].shape[:2]
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=25, options={"crf": str(crf)})
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for f in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(f, format="rgb24")))
        out.mux(stream.encode())
    buf.seek(0)
    with av.open(buf) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def _even(rgb: np.ndarray) -> np.ndarray:
    return rgb[: rgb.shape[0] // 2 * 2, : rgb.shape[1] // 2 * 2]


def downscale(frames):
    import cv2

    return [cv2.resize(f, (f.shape[1] // 2, f.shape[0] // 2), interpolation=cv2.INTER_AREA) for f in frames]


def crop(frames, share: float = 0.1):
    """Keep the middle 90% of the width and of the height."""
    return [_even(f[int(f.shape[0] * share / 2) : -int(f.shape[0] * share / 2),
                    int(f.shape[1] * share / 2) : -int(f.shape[1] * share / 2)]) for f in frames]


ATTACKS = {
    "h264 crf 28": lambda v: encode(v, 28),
    "second re-encode": lambda v: encode(encode(v, 28), 28),
    "50% downscale": lambda v: encode(downscale(encode(v, PORTAL_CRF)), 23),  # libx264's default quality
    "10% crop": lambda v: encode(crop(encode(v, PORTAL_CRF)), 28),
}


@pytest.fixture(scope="module", params=["dark scene", "real frame"])
def content(request):
    frames = [dark_scene(i) for i in range(FRAMES)] if request.param == "dark scene" else real_frames()
    return request.param, frames, [embed(f, JOB_ID) for f in frames]


def luma(rgb: np.ndarray) -> np.ndarray:
    rgb = rgb.astype(np.float64)
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def block_ssims(a: np.ndarray, b: np.ndarray, block: int = 16) -> np.ndarray:
    """SSIM of each 16x16 block of the luma (the block's mean, variance, covariance; C1, C2 for 8 bits)."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    h, w = a.shape[0] // block * block, a.shape[1] // block * block

    def blocks(x):
        return luma(x)[:h, :w].reshape(h // block, block, w // block, block).transpose(0, 2, 1, 3).reshape(
            h // block, w // block, -1)

    x, y = blocks(a), blocks(b)
    mx, my, vx, vy = x.mean(-1), y.mean(-1), x.var(-1), y.var(-1)
    cov = ((x - mx[..., None]) * (y - my[..., None])).mean(-1)
    return ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255.0**2 / np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)))


def darkest_flat_window(rgb: np.ndarray, size: int = 96) -> tuple[int, int]:
    """Top-left corner of the flattest dark size x size window (where a block grid would show first)."""
    y = luma(rgb)
    best, corner = None, (0, 0)
    for r in range(0, y.shape[0] - size, size // 2):
        for c in range(0, y.shape[1] - size, size // 2):
            win = y[r : r + size, c : c + size]
            score = win.std() + max(0.0, win.mean() - 60)
            if best is None or score < best:
                best, corner = score, (r, c)
    return corner


def save_zoom(name: str, before: np.ndarray, after: np.ndarray, zoom: int = 6, size: int = 96) -> Path:
    """before | after | difference x 20 around grey, of the darkest flat region, enlarged without smoothing."""
    import cv2

    r, c = darkest_flat_window(before, size)
    a, b = before[r : r + size, c : c + size], after[r : r + size, c : c + size]
    diff = np.clip(128 + 20 * (b.astype(np.int16) - a.astype(np.int16)), 0, 255).astype(np.uint8)
    gap = np.full((size, 4, 3), 255, np.uint8)
    strip = np.concatenate([a, gap, b, gap, diff], axis=1)
    strip = cv2.resize(strip, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_NEAREST)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name.replace(' ', '-')}-dark-flat-zoom.png"
    cv2.imwrite(str(path), strip[..., ::-1])
    return path


def test_the_mark_is_not_seen(content):
    name, frames, marked = content
    worst = min(float(block_ssims(a, b).min()) for a, b in zip(frames, marked))
    quality = min(psnr(a, b) for a, b in zip(frames, marked))
    save_zoom(name, frames[0], marked[0])
    print(f"{name}: worst 16x16-block SSIM {worst:.4f}, PSNR {quality:.1f} dB")
    assert worst >= 0.98, f"worst block SSIM {worst:.4f}"
    assert quality >= 40.0


def test_the_mark_reads_as_marked(content):
    _, _, marked = content
    assert extract_frames(marked) == JOB_ID
    assert extract_frames(marked[:1]) == JOB_ID


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_the_mark_survives(content, attack):
    _, _, marked = content
    assert extract_frames(ATTACKS[attack](marked)) == JOB_ID


def _real_clip_frames(count: int) -> list[np.ndarray]:
    import av

    if not REAL_CLIP.exists():
        pytest.skip(f"{REAL_CLIP} is absent (the shared datasets folder is not mounted here)")
    with av.open(str(REAL_CLIP)) as container:
        return [f.to_ndarray(format="rgb24") for _, f in zip(range(count), container.decode(video=0))]


def _marked_video(path: Path, frames: list[np.ndarray], fps: float = 25.0) -> Path:
    """Frames marked at their times (as a generation job marks them), written by the portal's encoder."""
    from models.media import VideoWriter

    h, w = frames[0].shape[:2]
    with VideoWriter(path, w, h, fps) as writer:
        for k, f in enumerate(frames):
            writer.write(embed(f, JOB_ID, k / fps), k / fps)
    return path


def _half_crf28(video: Path, copy: Path, skip: int = 0, crf: int = 28) -> Path:
    """A half-size copy at x264 crf 28 (what a re-upload at a lower resolution does); `skip` first frames cut off
    and the copy's clock restarted at 0 (a trim)."""
    import cv2

    from models.media import VideoWriter, iter_frames, probe

    info = probe(video)
    small = (info.width // 4 * 2, info.height // 4 * 2)
    with VideoWriter(copy, *small, info.fps, crf=crf, preset="medium") as writer:
        for k, (_, t, rgb) in enumerate(iter_frames(video)):
            if k >= skip:
                writer.write(cv2.resize(rgb, small, interpolation=cv2.INTER_AREA), (k - skip) / info.fps)
    return copy


@pytest.mark.parametrize("source", ["dark scene", "real clip"])
def test_a_half_size_crf28_copy_of_the_video_reads(tmp_path, source):
    """The whole path: frames marked at their times, written by the portal's own encoder, copied at half size with
    x264 at crf 28, read back by extract_video (frames spread over the video, with their times). Six frames alone
    do not carry the mark through this attack on either source; a video's frames together do."""
    from models.provenance.watermark import extract_video

    frames = [dark_scene(i) for i in range(40)] if source == "dark scene" else _real_clip_frames(60)
    marked = _marked_video(tmp_path / "marked.mp4", frames)
    assert extract_video(_half_crf28(marked, tmp_path / "half-crf28.mp4")) == JOB_ID


def test_the_sign_alternates_smoothly():
    """+1 at time 0 (a still picture), -1 a segment later, no jump between frames, no net sign over a period."""
    from models.provenance.watermark import RAMP, SEGMENT, sign_at

    times = np.arange(0, 8 * SEGMENT, 1 / 60)
    signs = np.array([sign_at(t) for t in times])
    assert sign_at(0.0) == 1.0 and sign_at(SEGMENT) == -1.0
    assert np.abs(np.diff(signs)).max() <= 2 * (1 / 60) / (RAMP / 2) + 1e-9
    assert abs(signs.mean()) < 0.01
    assert (np.abs(signs) == 1.0).mean() > 0.6


def test_the_alternating_sign_cancels_what_the_picture_adds():
    """A still picture adds the same correlation to every frame; the frames weighted by their balanced signs
    (7 frames of one sign, 4 of the other, as a sample may fall) keep only the mark."""
    from models.provenance.watermark import _balanced, _signed_votes, sign_at

    rng = np.random.default_rng(3)
    picture, mark = rng.normal(0, 5, (48, 8, 8)), rng.normal(0, 1, (48, 8, 8))
    times = [0.0, 0.05, 0.1, 0.15, 0.9, 0.95, 1.0, 0.5, 0.55, 0.6, 0.65]
    signs = [sign_at(t) for t in times]
    weights = _balanced(signs)
    assert abs(sum(weights)) < 1e-9
    found = [(picture + s * mark, 1.0) for s in signs]
    votes, _, (dy, dx) = _signed_votes(found, weights)
    expected = mark[:, dy, dx] * sum(w * s for w, s in zip(weights, signs))
    assert np.allclose(votes, expected)
    assert _balanced([1.0, 1.0, 1.0]) is None


def test_a_trimmed_copy_still_reads(tmp_path):
    """A half-size copy (crf 23: only the tiled layer reads it) that starts 0.28 s into the marked video, its clock
    restarted at 0, is read on a shifted clock."""
    from models.provenance.watermark import extract_video

    marked = _marked_video(tmp_path / "marked.mp4", [dark_scene(i) for i in range(50)])
    assert extract_video(_half_crf28(marked, tmp_path / "trimmed.mp4", skip=7, crf=23)) == JOB_ID


def test_an_unmarked_video_read_on_every_clock_carries_no_id(tmp_path):
    from models.media import VideoWriter
    from models.provenance.watermark import extract_video

    plain = tmp_path / "plain.mp4"
    with VideoWriter(plain, 1280, 720, 25.0) as writer:
        for i in range(50):
            writer.write(dark_scene(i), i / 25.0)
    assert extract_video(plain) is None
    assert extract_video(_half_crf28(plain, tmp_path / "half.mp4")) is None


def test_unmarked_frames_carry_no_id(content):
    _, frames, _ = content
    assert extract_frames(encode(frames, 28)) is None
    assert extract_frames(encode(downscale(frames), 23)) is None
