"""Test media made from real photos that packages ship (insightface's t1.jpg: six real faces)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np


def real_photo(name: str = "t1") -> np.ndarray:
    """An RGB photo of real people shipped by insightface (t1: six faces; Tom_Hanks_54745: one)."""
    from insightface.data import get_image

    return get_image(name)[:, :, ::-1].copy()  # insightface returns BGR


def one_face_photo() -> np.ndarray:
    """A crop of t1.jpg holding exactly one real face, upscaled so the face is large."""
    import cv2

    img = real_photo("t1")
    crop = img[200:470, 0:240]  # the left person of t1.jpg (face box about x 52-170, y 266-399)
    return cv2.resize(crop, (360, 404), interpolation=cv2.INTER_CUBIC)  # even sides: H.264 yuv420p needs them


def _frames_from_photo(photo: np.ndarray, size: tuple[int, int], count: int):
    """Yield frames that slowly pan and zoom over the photo, so consecutive frames differ."""
    import cv2

    w, h = size
    ph, pw = photo.shape[:2]
    for i in range(count):
        t = i / max(1, count - 1)
        zoom = 1.0 + 0.06 * t
        cw, ch = pw / zoom, ph / zoom
        x0, y0 = (pw - cw) * t * 0.5, (ph - ch) * 0.5
        crop = photo[int(y0) : int(y0 + ch), int(x0) : int(x0 + cw)]
        yield cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA)


def write_video(
    path: Path,
    frames,
    fps: int = 10,
    audio_seconds: float | None = None,
    codec: str = "libx264",
) -> Path:
    """Encode RGB frames (and optionally a sine tone) as H.264 + AAC in an mp4."""
    import av

    frames = list(frames)
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as out:
        vs = out.add_stream(codec, rate=fps)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        a_s = out.add_stream("aac", rate=44100) if audio_seconds else None
        for f in frames:
            for p in vs.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                out.mux(p)
        for p in vs.encode():
            out.mux(p)
        if a_s is not None:
            _write_tone(out, a_s, audio_seconds)
    return Path(path)


def _write_tone(out, stream, seconds: float) -> None:
    import av

    rate, chunk = 44100, 1024
    total = int(rate * seconds)
    for start in range(0, total, chunk):
        n = min(chunk, total - start)
        t = (np.arange(start, start + n) / rate).astype(np.float32)
        samples = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        for p in stream.encode(frame):
            out.mux(p)
    for p in stream.encode():
        out.mux(p)


def face_video(path: Path, seconds: float = 2.0, fps: int = 10, size=(640, 360), photo=None, audio=True) -> Path:
    """A short H.264 + AAC video of real faces (t1.jpg panned and zoomed)."""
    photo = real_photo("t1") if photo is None else photo
    count = max(1, int(round(seconds * fps)))
    return write_video(path, _frames_from_photo(photo, size, count), fps, seconds if audio else None)


def blank_video(path: Path, seconds: float = 1.0, fps: int = 10, size=(320, 240)) -> Path:
    """A video with no face in it: a moving grey gradient."""
    w, h = size
    count = max(1, int(seconds * fps))
    grad = np.tile(np.linspace(0, 255, w, dtype=np.uint8), (h, 1))
    frames = (np.stack([np.roll(grad, 7 * i, axis=1)] * 3, axis=-1) for i in range(count))
    return write_video(path, frames, fps)


def audio_only(path: Path, seconds: float = 1.0) -> Path:
    """An .m4a-style mp4 holding only an AAC track."""
    import av

    with av.open(str(path), "w", format="mp4") as out:
        _write_tone(out, out.add_stream("aac", rate=44100), seconds)
    return Path(path)


def truncated_copy(src: Path, dst: Path, keep: float = 0.4) -> Path:
    """The first part of a video file's bytes: what an interrupted upload leaves."""
    data = Path(src).read_bytes()
    Path(dst).write_bytes(data[: int(len(data) * keep)])
    return Path(dst)
