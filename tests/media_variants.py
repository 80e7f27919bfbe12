"""Target videos in the shapes real uploads come in: each audio codec, rate and layout, containers, VFR, rotation.

The audio is a gated two-tone signal whose on/off pattern is pseudo-random, so it correlates with itself only at
lag 0: a test can find by how much a written copy is shifted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import numpy as np

SLOT = 0.025  # seconds per on/off slot of the test signal
MS = Fraction(1, 1000)


@dataclass(frozen=True)
class Variant:
    """One way a target video can be made."""

    name: str
    ext: str = "mp4"
    vcodec: str = "libx264"
    size: tuple[int, int] = (320, 180)
    fps: int = 15
    seconds: float = 2.0
    acodec: str | None = "aac"
    rate: int = 44100
    layout: str = "stereo"
    vfr: bool = False
    rotation: int = 0  # display matrix, degrees counter-clockwise
    audio_offset: float = 0.0  # seconds the audio starts after the first frame (negative: before it)


VARIANTS = [
    Variant("aac-44k-stereo"),
    Variant("aac-48k-mono", rate=48000, layout="mono"),
    Variant("aac-16k-mono", rate=16000, layout="mono"),
    Variant("aac-22k-stereo-mkv", ext="mkv", rate=22050),
    Variant("mp3-44k-stereo-mkv", ext="mkv", acodec="mp3"),
    Variant("mp3-48k-mono-mp4", acodec="mp3", rate=48000, layout="mono"),
    Variant("opus-48k-stereo-webm", ext="webm", vcodec="libvpx-vp9", acodec="libopus", rate=48000),
    Variant("pcm-48k-stereo-mov", ext="mov", acodec="pcm_s16le", rate=48000),
    Variant("flac-32k-mono-mkv", ext="mkv", acodec="flac", rate=32000, layout="mono"),
    Variant("no-audio", acodec=None),
    Variant("vfr", vfr=True),
    Variant("rotated-90", rotation=90, size=(240, 136)),
    Variant("odd-size-webm", ext="webm", vcodec="libvpx-vp9", acodec="libopus", rate=48000, size=(321, 179)),
    Variant("audio-starts-late", audio_offset=0.3),
    Variant("audio-starts-early-mov", ext="mov", audio_offset=-0.2),
]
BY_NAME = {v.name: v for v in VARIANTS}


def signal(rate: int, seconds: float, channels: int, seed: int = 7) -> np.ndarray:
    """(channels, samples) float32: 330 Hz + 1250 Hz tones switched on and off in a pseudo-random pattern."""
    n = int(round(rate * seconds))
    t = np.arange(n) / rate
    gates = np.random.default_rng(seed).random(int(seconds / SLOT) + 1) < 0.5
    gate = gates[(t / SLOT).astype(int)].astype(np.float32)
    tone = 0.25 * np.sin(2 * np.pi * 330 * t) + 0.15 * np.sin(2 * np.pi * 1250 * t)
    mono = (gate * tone).astype(np.float32)
    return np.repeat(mono[None, :], channels, axis=0)


def frame_times(v: Variant) -> list[float]:
    """Presentation times of the video frames (irregular for a VFR variant), from the first frame's time."""
    start = max(0.0, -v.audio_offset)
    if not v.vfr:
        return [start + i / v.fps for i in range(int(round(v.seconds * v.fps)))]
    steps = np.resize([1 / 30, 1 / 10, 1 / 20, 1 / 15], int(round(v.seconds * v.fps)))
    return [start + float(s) for s in np.concatenate([[0.0], np.cumsum(steps[:-1])])]


def _pictures(v: Variant, photo: np.ndarray | None):
    """Frames that change over time: the photo panned (a face video) or a moving gradient."""
    from tests.videofactory import _frames_from_photo

    count = len(frame_times(v))
    if photo is not None:  # a rotated phone video stores its pictures turned; its display matrix turns them back
        turns = v.rotation // 90 % 4
        shown = v.size[::-1] if turns % 2 else v.size
        for picture in _frames_from_photo(photo, shown, count):
            yield np.ascontiguousarray(np.rot90(picture, -turns)) if turns else picture
        return
    w, h = v.size
    grad = np.tile(np.linspace(0, 255, w, dtype=np.uint8), (h, 1))
    for i in range(count):
        yield np.stack([np.roll(grad, 9 * i, axis=1), np.full_like(grad, 128), grad], axis=-1)


def _video_stream(out, v: Variant):
    stream = out.add_stream(v.vcodec, rate=v.fps)
    stream.width, stream.height, stream.pix_fmt = v.size[0], v.size[1], "yuv420p"
    stream.codec_context.time_base = MS
    if v.rotation:
        stream.set_display_rotation(v.rotation)
    return stream


def _write_audio(out, stream, v: Variant) -> None:
    import av

    start = max(0.0, v.audio_offset)
    channels = 1 if v.layout == "mono" else 2
    samples = signal(v.rate, v.seconds, channels)
    first = int(round(start * v.rate))
    for i in range(0, samples.shape[1], 1000):
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples[:, i : i + 1000]), format="fltp",
                                           layout=v.layout)
        frame.sample_rate, frame.pts, frame.time_base = v.rate, first + i, Fraction(1, v.rate)
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)


def make(path: Path, v: Variant, photo: np.ndarray | None = None, title: str = "") -> Path:
    """Write the variant to path (its extension chooses the container); a title makes the file's bytes unique."""
    import av

    path = Path(path).with_suffix("." + v.ext)
    with av.open(str(path), "w") as out:
        if title:
            out.metadata["title"] = title
        vs = _video_stream(out, v)
        audio = out.add_stream(v.acodec, rate=v.rate, layout=v.layout) if v.acodec else None
        for t, rgb in zip(frame_times(v), _pictures(v, photo)):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = int(round(t * 1000)), MS
            for packet in vs.encode(frame):
                out.mux(packet)
        for packet in vs.encode():
            out.mux(packet)
        if audio is not None:
            _write_audio(out, audio, v)
    return path


def shorter(v: Variant, seconds: float = 1.0, size: tuple[int, int] | None = None) -> Variant:
    """The same variant, shorter (and smaller), for slower end-to-end paths."""
    return replace(v, seconds=seconds, size=size or v.size)
