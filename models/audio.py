"""The audio track of a source video, re-encoded as AAC beside the video written from it, in sync with its frames.

Any decodable input (AAC, MP3, Opus, Vorbis, PCM, FLAC; mono, stereo or more channels; any rate) is resampled to
planar float at an AAC rate, queued in an AudioFifo and cut into frames of the encoder's frame size. Each decoded
frame is placed by its timestamp against the output's time 0 (the source's first video frame): audio before it is
cut, a late start or a gap is filled with silence, so the output's audio correlates with the input's at lag 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

AAC_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000)
AAC_FRAME = 1024  # samples per AAC-LC frame (the encoder reports it only once opened)
JITTER = 0.04  # seconds: timestamps that drift less than this from the running position are trusted as continuous


def aac_rate(rate: int) -> int:
    """The AAC sample rate to encode a source rate at: the same when AAC has it, else the next one up."""
    return next((r for r in AAC_RATES if r >= rate), AAC_RATES[-1])


def _layout(channels: int) -> str:
    """Mono stays mono; everything else becomes stereo (what browsers play everywhere)."""
    return "mono" if channels == 1 else "stereo"


def _decoded(container, stream) -> Iterator:
    """Decoded frames of one stream; a packet that does not decode is skipped, a broken tail ends the track."""
    try:
        for packet in container.demux(stream):
            try:
                yield from packet.decode()
            except (av.error.InvalidDataError, av.error.UndefinedError):
                continue
    except av.error.FFmpegError:
        return


class AudioTrack:
    """Copies the first audio track of `source` into `output` as AAC, on demand up to a time of the output."""

    def __init__(self, source: Path, output):
        self.src = av.open(str(source))
        stream = self.src.streams.audio[0]
        ctx = stream.codec_context
        self.rate, layout = aac_rate(ctx.sample_rate or 44100), _layout(ctx.channels or 2)
        self.out_stream = output.add_stream("aac", rate=self.rate, layout=layout)
        self.resampler = av.AudioResampler(format="fltp", layout=layout, rate=self.rate)
        self.fifo = av.AudioFifo()
        self.frames = _decoded(self.src, stream)
        self.source_start = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
        self.output, self.layout, self.channels = output, layout, 1 if layout == "mono" else 2
        self.origin: float | None = None  # source seconds that are time 0 of the output
        self.queued = 0  # output samples put in the fifo (or dropped as before time 0 is not counted)
        self.written = 0  # output samples encoded
        self.done = False

    def start_at(self, origin: float) -> None:
        """Set the source time that the output's first video frame shows."""
        if self.origin is None:
            self.origin = origin

    def pump(self, until: float | None) -> None:
        """Encode audio up to `until` seconds of the output (all that is left when None), then finish."""
        if self.done:
            return
        self.start_at(0.0)
        while until is None or self.written < until * self.rate:
            frame = next(self.frames, None)
            if frame is None:
                self.finish()
                return
            self._queue(frame)
            self._encode(self.out_stream.codec_context.frame_size or AAC_FRAME)

    def _queue(self, frame) -> None:
        """Resample one decoded frame into the fifo, cut or padded so that it lands at its own time."""
        shift = 0
        if frame.time is not None:
            want = round((float(frame.time) - self.origin) * self.rate)
            if abs(want - self.queued) > JITTER * self.rate or self.queued == 0:
                shift = want - self.queued
        if shift > 0:
            self._put(np.zeros((self.channels, shift), np.float32))
        frame.pts = None  # the fifo and the encoder get their own continuous timestamps
        for out in self._resample(frame):
            self._put(out.to_ndarray(), drop=max(0, -shift))
            shift = min(0, shift + out.samples)

    def _resample(self, frame) -> list:
        """Resampled frames; a source that changes rate or layout midway gets a fresh resampler."""
        try:
            return self.resampler.resample(frame)
        except ValueError:
            rest = self.resampler.resample(None)
            self.resampler = av.AudioResampler(format="fltp", layout=self.layout, rate=self.rate)
            return rest + self.resampler.resample(frame)

    def _put(self, samples: np.ndarray, drop: int = 0) -> None:
        """Append planar float samples to the fifo, less the first `drop` ones."""
        samples = samples[:, drop:]
        if samples.shape[1] == 0:
            return
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples), format="fltp", layout=self.layout)
        frame.sample_rate = self.rate
        self.fifo.write(frame)
        self.queued += samples.shape[1]

    def _encode(self, size: int) -> None:
        """Encode every whole frame of `size` samples in the fifo (everything left when size is 0)."""
        while self.fifo.samples and (size == 0 or self.fifo.samples >= size):
            frame = self.fifo.read(size)
            frame.pts, frame.time_base = self.written, Fraction(1, self.rate)
            self.written += frame.samples
            for packet in self.out_stream.encode(frame):
                self.output.mux(packet)

    def finish(self) -> None:
        """Drain the resampler and the fifo, flush the encoder once, close the source."""
        if self.done:
            return
        self.done = True
        for out in self.resampler.resample(None):
            self._put(out.to_ndarray())
        self._encode(self.out_stream.codec_context.frame_size or AAC_FRAME)
        self._encode(0)  # the last, shorter frame
        for packet in self.out_stream.encode(None):
            self.output.mux(packet)
        self.src.close()

    def close(self) -> None:
        """Release the source without encoding more (after an error); harmless after finish()."""
        if not self.done:
            self.done = True
            self.src.close()
