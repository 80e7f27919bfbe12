"""Video and photo input/output with PyAV: probe, sample frames by seeking, read photos, write H.264 + AAC."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Self

import av
import numpy as np

from models.errors import MediaError
from models.types import VideoInfo

Frame = tuple[int, float, np.ndarray]  # (frame index, time in seconds, RGB uint8 image)

# Leading bytes of containers a video upload may be in: a file starting like this that PyAV cannot open is damaged.
_MEDIA_MAGIC = (
    b"ftyp",
    b"\x1a\x45\xdf\xa3",
    b"RIFF",
    b"OggS",
    b"FLV",
    b"\x00\x00\x01\xba",
    b"\x47",
)


def _looks_like_media(path: Path) -> bool:
    """True when the file starts like a known media container (so a failure to open means it is damaged)."""
    with open(path, "rb") as fh:
        head = fh.read(12)
    return head[4:8] == b"ftyp" or any(head.startswith(m) for m in _MEDIA_MAGIC[1:])


def _open(path: Path):
    """Open a media file, turning PyAV errors into sentences."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"The file {path.name} does not exist.")
    if path.stat().st_size == 0:
        raise MediaError(f"The file {path.name} is empty.")
    try:
        return av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        if _looks_like_media(path):
            raise MediaError(
                f"{path.name} is truncated or damaged: its container could not be read."
            ) from exc
        raise MediaError(f"{path.name} is not a video PyAV can read.") from exc


def _video_stream(container, name: str):
    """The first video stream, or MediaError."""
    if not container.streams.video:
        raise MediaError(f"{name} has no video stream.")
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    return stream


def _fps(stream) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return float(rate) if rate else 25.0


def _duration(container, stream) -> float:
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0


def _frame_count(container, stream) -> int:
    """Frames the container declares, else an estimate from duration * fps."""
    if stream.frames:
        return int(stream.frames)
    return max(1, round(_duration(container, stream) * _fps(stream)))


def _first_frame(container, stream, name: str):
    """Decode the first frame (proves the file is readable) or raise MediaError."""
    try:
        for frame in container.decode(stream):
            return frame
    except av.error.FFmpegError as exc:
        raise MediaError(
            f"{name} is truncated or damaged: no frame could be decoded."
        ) from exc
    raise MediaError(f"{name} is truncated or damaged: no frame could be decoded.")


def probe(
    path: Path, *, max_pixels: int | None = None, max_duration: float | None = None
) -> VideoInfo:
    """Read a video's header and decode its first frame; MediaError with a sentence when it is not usable."""
    name = Path(path).name
    with _open(path) as container:
        stream = _video_stream(container, name)
        width, height = stream.codec_context.width, stream.codec_context.height
        if max_pixels and width * height > max_pixels:
            raise MediaError(
                f"{name} is {width}x{height}: above the limit of {max_pixels:,} pixels per frame."
            )
        duration = _duration(container, stream)
        if max_duration and duration > max_duration:
            raise MediaError(
                f"{name} lasts {duration:.0f} s: above the limit of {max_duration:.0f} s."
            )
        first = _first_frame(container, stream, name)
        upright = _quarter_turns(first) % 2 == 0
        return VideoInfo(
            width=width if upright else height,
            height=height if upright else width,
            fps=_fps(stream),
            duration=duration,
            frames=_frame_count(container, stream),
            codec=stream.codec_context.name,
            has_audio=bool(container.streams.audio),
            format=container.format.name,
        )


def _scaled_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """(w, h) with the longer side <= max_side, even numbers kept where possible."""
    if not max_side or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _quarter_turns(frame) -> int:
    """Counter-clockwise quarter turns the frame's display matrix (phone videos' rotation) asks for."""
    return round((frame.rotation or 0) / 90) % 4


def _to_rgb(frame, max_side: int | None) -> np.ndarray:
    """RGB uint8 array of a decoded frame, upright as players show it, downscaled by libswscale in the same pass."""
    w, h = _scaled_size(frame.width, frame.height, max_side)
    if (w, h) == (frame.width, frame.height):
        rgb = frame.to_ndarray(format="rgb24")
    else:
        rgb = frame.to_ndarray(format="rgb24", width=w, height=h, interpolation="AREA")
    turns = _quarter_turns(frame)
    return np.ascontiguousarray(np.rot90(rgb, turns)) if turns else rgb


class _Clock:
    """Maps a stream's pts to frame indices and back."""

    def __init__(self, stream):
        self.tb = stream.time_base
        self.fps = _fps(stream)
        self.start = stream.start_time or 0

    def index(self, frame, fallback: int) -> int:
        if frame.pts is None:
            return fallback
        return round(float((frame.pts - self.start) * self.tb) * self.fps)

    def pts(self, index: int) -> int:
        return self.start + int(index / self.fps / self.tb)


def _keyframe_pts(container, stream) -> list[int]:
    """Sorted pts of every keyframe, read by demuxing packets without decoding them."""
    keys = [
        p.pts for p in container.demux(stream) if p.is_keyframe and p.pts is not None
    ]
    container.seek(0, stream=stream, backward=True)
    return sorted(keys)


def _targets(total: int, n: int) -> list[int]:
    """n evenly spaced frame indices in 0..total-1 (fewer when n > total)."""
    if n <= 0:
        return []
    if total <= 1 or n == 1:
        return [0] if total <= 1 else [total // 2]
    return sorted({round(x) for x in np.linspace(0, total - 1, n)})


class _Sampler:
    """Decodes forward through one video, seeking only when a keyframe lies before the next wanted frame."""

    def __init__(self, container, stream, max_side: int | None):
        self.container, self.stream, self.max_side = container, stream, max_side
        self.clock, self.keys = _Clock(stream), _keyframe_pts(container, stream)
        self.position: int | None = None  # pts of the last decoded frame
        self.frames = None
        self.last = None

    def _seek_if_useful(self, target: int) -> None:
        target_pts = self.clock.pts(target)
        before = [k for k in self.keys if k <= target_pts]
        key = before[-1] if before else None
        if self.frames is None or (
            key is not None and self.position is not None and key > self.position
        ):
            self.container.seek(
                key if key is not None else 0, stream=self.stream, backward=True
            )
            self.frames = self.container.decode(self.stream)

    def grab(self, target: int) -> Frame | None:
        """The first frame at or after the target index, or None when the video ends first."""
        self._seek_if_useful(target)
        try:
            for frame in self.frames:
                self.position, self.last = frame.pts, frame
                index = self.clock.index(frame, target)
                if index >= target:
                    return (
                        index,
                        float(frame.time or 0.0),
                        _to_rgb(frame, self.max_side),
                    )
        except av.error.FFmpegError:
            pass  # a damaged tail: keep what was decoded
        self.frames = iter(())
        return None

    def tail(self, after: int) -> Frame | None:
        """The last decoded frame when its index is past `after` (the container overstated its length)."""
        if self.last is None:
            return None
        index = self.clock.index(self.last, after + 1)
        return (
            (index, float(self.last.time or 0.0), _to_rgb(self.last, self.max_side))
            if index > after
            else None
        )


def sample_frames(
    path: Path,
    n: int,
    *,
    max_side: int | None = None,
    on_frame: Callable[[int, int], None] | None = None,
) -> list[Frame]:
    """n evenly spaced frames (index, seconds, RGB), in order; fewer when the video has fewer frames.

    on_frame(done, wanted) is called after each frame, so a caller can show progress or cancel.
    """
    name = Path(path).name
    with _open(path) as container:
        stream = _video_stream(container, name)
        sampler = _Sampler(container, stream, max_side)
        out: list[Frame] = []
        targets = _targets(_frame_count(container, stream), n)
        for target in targets:
            if out and target <= out[-1][0]:
                continue
            got = sampler.grab(target)
            if got is None:
                got = sampler.tail(out[-1][0] if out else -1)
                out.extend([got] if got else [])
                break
            out.append(got)
            if on_frame is not None:
                on_frame(len(out), len(targets))
        if not out:
            raise MediaError(
                f"{name} is truncated or damaged: no frame could be decoded."
            )
        return out


def iter_frames(
    path: Path,
    *,
    start: float = 0.0,
    end: float | None = None,
    max_side: int | None = None,
) -> Iterator[Frame]:
    """Consecutive frames of the window [start, end] seconds (one seek to start), for sequence models."""
    name = Path(path).name
    with _open(path) as container:
        stream = _video_stream(container, name)
        clock = _Clock(stream)
        if start > 0:
            container.seek(
                clock.pts(int(start * clock.fps)), stream=stream, backward=True
            )
        count = 0
        for frame in container.decode(stream):
            t = float(frame.time or 0.0)
            if t < start - 0.5 / clock.fps:
                continue
            if end is not None and t > end + 1e-6:
                break
            yield clock.index(frame, count), t, _to_rgb(frame, max_side)
            count += 1


def read_image(path: Path, *, max_pixels: int = 40_000_000) -> np.ndarray:
    """A photo as RGB uint8 (EXIF orientation applied); MediaError for empty, non-image or oversized files."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise MediaError(f"The file {path.name} is empty or missing.")
    try:
        with Image.open(path) as img:
            w, h = img.size
            if w * h > max_pixels:
                raise MediaError(
                    f"{path.name} is {w}x{h}: above the limit of {max_pixels:,} pixels."
                )
            return np.asarray(
                ImageOps.exif_transpose(img).convert("RGB"), dtype=np.uint8
            ).copy()
    except Image.DecompressionBombError as exc:
        raise MediaError(f"{path.name} is too large to open safely ({exc}).") from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise MediaError(f"{path.name} is not an image that can be read.") from exc


def has_audio(path: Path | None) -> bool:
    """True when the file exists and holds an audio track PyAV can decode."""
    if path is None or not Path(path).is_file():
        return False
    try:
        with av.open(str(path)) as container:
            return any(s.codec_context is not None for s in container.streams.audio)
    except av.error.FFmpegError:
        return False


def _video_start(path: Path) -> float:
    """Seconds at which the first video frame of a file is shown (the time 0 of a video written from it)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0] if container.streams.video else None
        if stream is None or stream.start_time is None:
            return 0.0
        return float(stream.start_time * stream.time_base)


class VideoWriter:
    """Writes RGB frames as H.264 yuv420p mp4 (faststart, plays in browsers), with optional AAC audio and metadata.

    write(rgb, t) places each frame at its source time t (seconds), so variable frame rates and the audio copied
    from `audio_from` stay in sync; without t, frames follow each other at `fps`.

    x264's "veryfast" preset at crf 17 matches the "medium" preset at crf 20 in quality on real 720p/1080p/524p
    public-dev clips (PSNR within 0.2 dB, luma SSIM within 0.0003) at a third of the encoding time (10 vs 30 ms
    per 1280x720 frame, 19 vs 50 ms at 1080p); the files are about a third larger.
    """

    TIME_BASE = Fraction(1, 90000)  # the MPEG clock: exact for 24, 25, 30, 50, 60 and the NTSC rates

    def __init__(
        self,
        path: Path,
        width: int,
        height: int,
        fps: float,
        *,
        audio_from: Path | None = None,
        metadata: dict[str, str] | None = None,
        crf: int = 17,
        preset: str = "veryfast",
    ):
        self.path, self.size, self.crf, self.preset = (
            Path(path),
            (width - width % 2, height - height % 2),
            crf,
            preset,
        )
        self.fps = Fraction(fps).limit_denominator(1001)
        self.audio_from = Path(audio_from) if has_audio(audio_from) else None
        self.metadata = dict(metadata or {})
        self.container = self.stream = self.audio = None
        self.count, self.origin, self.last_pts, self.video_start = 0, None, -1, 0.0

    def __enter__(self) -> Self:
        self.container = av.open(
            str(self.path), "w", format="mp4", options={"movflags": "+faststart"}
        )
        self.container.metadata.update({k: str(v) for k, v in self.metadata.items()})
        self.stream = self.container.add_stream(
            "libx264", rate=self.fps, options={"crf": str(self.crf), "preset": self.preset}
        )
        self.stream.width, self.stream.height = self.size
        self.stream.pix_fmt = "yuv420p"
        self.stream.codec_context.time_base = self.TIME_BASE
        if self.audio_from is not None:
            from models.audio import AudioTrack

            self.video_start = _video_start(self.audio_from)
            self.audio = AudioTrack(self.audio_from, self.container)
        return self

    def _start(self, t: float) -> None:
        """Fix the output's time 0: the first frame's source time, or the audio's start when that is earlier."""
        self.origin = t if self.audio is None else min(t, self.audio.source_start)
        if self.audio is not None:
            self.audio.start_at(self.origin)

    def _pts(self, t: float | None) -> int:
        """The frame's pts: its source time less the output's time 0, strictly after the previous frame."""
        if t is None:
            t = self.video_start + self.count / self.fps
        if self.origin is None:
            self._start(t)
        seconds = t - self.origin
        self.last_pts = max(self.last_pts + 1, round(seconds / self.TIME_BASE))
        return self.last_pts

    def write(self, rgb: np.ndarray, t: float | None = None) -> None:
        """Encode one RGB uint8 frame shown at source time t (resized to the writer's size when it differs)."""
        w, h = self.size
        frame = av.VideoFrame.from_ndarray(
            np.ascontiguousarray(rgb[:, :, :3]), format="rgb24"
        )
        if (frame.width, frame.height) != (w, h):
            frame = frame.reformat(width=w, height=h)
        frame.pts, frame.time_base = self._pts(t), self.TIME_BASE
        for packet in self.stream.encode(frame):
            self.container.mux(packet)
        self.count += 1
        if self.audio is not None:
            self.audio.pump(float(self.last_pts * self.TIME_BASE + 1 / self.fps))

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                for packet in self.stream.encode(None):
                    self.container.mux(packet)
                if self.audio is not None:
                    self.audio.pump(None)
        finally:
            if self.audio is not None:
                self.audio.close()
            self.container.close()
