"""Measures whether a written video keeps its source's timing: duration, frame times and the lag of its audio."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 16000  # audio is compared as mono at this rate
HOP = 80  # samples per envelope step (5 ms)


@dataclass
class Timing:
    """Times in seconds from the presentation time of the earliest stream (its time 0)."""

    frame_times: list[float]
    video_end: float  # last frame's time + its duration
    audio_end: float | None
    audio: np.ndarray | None  # mono samples at RATE, sample 0 at time 0

    @property
    def duration(self) -> float:
        return max(self.video_end, self.audio_end or 0.0)


def _frame_step(frames: list[float], stream) -> float:
    """The last frame's duration: the step before it, else one frame at the stream's rate."""
    if len(frames) > 1:
        return frames[-1] - frames[-2]
    rate = stream.average_rate or stream.guessed_rate
    return 1 / float(rate) if rate else 0.04


def _audio(container, origin: float) -> tuple[np.ndarray, float]:
    """Mono float samples placed by their timestamps (sample 0 = origin), and the time the track ends."""
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
    chunks, end = [], 0.0
    for frame in container.decode(audio=0):
        at = round((float(frame.time) - origin) * RATE)
        for out in resampler.resample(frame):
            data = out.to_ndarray().reshape(-1)
            chunks.append((at, data))
            at += data.size
        end = max(end, float(frame.time) - origin + frame.samples / frame.sample_rate)
    length = max((a + d.size for a, d in chunks), default=0)
    samples = np.zeros(max(0, length), np.float32)
    for at, data in chunks:
        if at + data.size > 0:
            samples[max(0, at) : at + data.size] = data[max(0, -at) :]
    return samples, end


def _first_audio_time(path: Path) -> float | None:
    import av

    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None
        return next((float(f.time) for f in container.decode(audio=0)), None)


def timing(path: Path) -> Timing:
    """Decode a video's frames and audio and measure their times from the start of its earliest stream."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = [float(f.time) for f in container.decode(stream)]
        step = _frame_step(times, stream)
    audio_start = _first_audio_time(path)
    origin = min(times[0], audio_start) if audio_start is not None else times[0]
    frames = [t - origin for t in times]
    if audio_start is None:
        return Timing(frames, frames[-1] + step, None, None)
    with av.open(str(path)) as container:
        samples, audio_end = _audio(container, origin)
    return Timing(frames, frames[-1] + step, audio_end, samples)


def envelope(samples: np.ndarray) -> np.ndarray:
    """RMS per 5 ms: robust to lossy codecs, fine enough to see a shift of a frame."""
    n = samples.size // HOP
    return np.sqrt((samples[: n * HOP].reshape(n, HOP).astype(np.float64) ** 2).mean(axis=1))


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    denom = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denom) if denom > 0 else 0.0


def audio_lag(reference: np.ndarray, copy: np.ndarray, max_ms: int = 300) -> tuple[float, float]:
    """(lag in ms at which the copy's envelope best matches the reference's, correlation at lag 0)."""
    a, b = envelope(reference), envelope(copy)
    n = min(a.size, b.size)
    a, b = a[:n], b[:n]
    steps = max_ms * RATE // 1000 // HOP
    scores = {}
    for lag in range(-steps, steps + 1):
        x, y = (a[: n - lag], b[lag:]) if lag >= 0 else (a[-lag:], b[: n + lag])
        scores[lag] = _corr(x, y)
    best = max(scores, key=scores.get)
    return best * HOP * 1000 / RATE, scores[0]
