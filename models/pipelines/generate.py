"""Face-swap generation: a source photo's face onto faces of a target video, labelled and watermarked.

Stages (also the progress labels): "analysing source", "swapping" (decode, find faces, smooth, select, swap,
label, watermark, encode each frame), "encoding" (flush the encoder and the audio track).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Iterator, Optional, Union

import numpy as np

from models.errors import ManyFacesError, NoFaceError
from models.provenance.manifest import to_metadata
from models.provenance.mark import visible_mark
from models.provenance.watermark import embed as embed_watermark
from models.selection import select_faces
from models.smoothing import FaceSmoother
from models.swappers.base import SourceIdentity
from models.types import Face, Progress, no_progress

Image = Union[Path, str, np.ndarray]
_DONE = object()


@dataclass
class GenerationResult:
    """What a generation job did, for the job page and the logs."""

    out_path: Path
    frames: int
    frames_with_faces: int
    faces_swapped: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage (wall clock, stages overlap)
    swapper: str = ""
    payload: int = 0
    fps: float = 0.0
    width: int = 0
    height: int = 0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per stage (its thread's own time)


class _Timer:
    """Accumulates seconds per stage name: wall clock and the CPU time of the stage's own thread (on a busy machine
    a thread waits for a core, so only the CPU time says what a stage costs)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start
            self.cpu[stage] = self.cpu.get(stage, 0.0) + time.thread_time() - cpu


def _image(value: Image) -> np.ndarray:
    from models.media import read_image

    return value if isinstance(value, np.ndarray) else read_image(Path(value))


def choose_face(faces: list[Face], index: Optional[int], what: str = "source photo") -> Face:
    """The one face to use: the only one found, or the one the user chose; named errors otherwise."""
    if not faces:
        raise NoFaceError(f"No face was found in the {what}; use a photo where one face is clearly visible.")
    if index is not None:
        if not 0 <= index < len(faces):
            raise ManyFacesError(f"The {what} shows {len(faces)} faces; choose a face number from 1 to {len(faces)}.")
        return faces[index]
    if len(faces) > 1:
        raise ManyFacesError(
            f"The {what} shows {len(faces)} faces; choose which one to use (numbered largest first)."
        )
    return faces[0]


def analyse_source(source: Image, swapper, face_finder, index: Optional[int] = None) -> SourceIdentity:
    """Find the source face and let the swapper extract its identity (once per job)."""
    img = _image(source)
    return swapper.prepare(img, choose_face(face_finder.detect([img])[0], index))


def reference_descriptor(reference: Image, face_finder, recogniser) -> np.ndarray:
    """Descriptor of the (largest) face in the reference photo."""
    img = _image(reference)
    faces = face_finder.detect([img])[0]
    if not faces:
        raise NoFaceError("No face was found in the reference photo.")
    return recogniser.embed(img, faces[0])


def _even(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    return rgb[: h - h % 2, : w - w % 2]


@dataclass
class _Job:
    """Everything the per-frame loop needs (kept together so each function stays short)."""

    swapper: object
    identity: SourceIdentity
    select: str
    payload: int
    reference: Optional[np.ndarray]
    recogniser: object
    timer: _Timer
    smoother: FaceSmoother = field(default_factory=FaceSmoother)
    frames: int = 0
    frames_with_faces: int = 0
    faces_swapped: int = 0
    first_time: Optional[float] = None  # the first frame's source time: the output's time 0 (the mark's clock)


def _process(job: _Job, rgb: np.ndarray, t: float, faces: list[Face]) -> np.ndarray:
    """One frame: smooth, select, swap (labelling and watermarking happen in the encoding stage)."""
    with job.timer("selecting"):
        faces = job.smoother(faces, t)
        embed = job.recogniser.embed if job.recogniser is not None else None
        chosen = select_faces(rgb, faces, job.select, reference=job.reference, embed=embed)
    with job.timer("swapping"):
        for face in chosen:
            rgb = job.swapper.swap(rgb, face, job.identity)
    job.frames += 1
    job.frames_with_faces += bool(faces)
    job.faces_swapped += len(chosen)
    return rgb


def _mark(job: _Job, encoder, item: tuple[np.ndarray, float]) -> None:
    """Label and watermark one swapped frame (the mark's sign follows the frame's time in the output), then hand it
    to the encoder."""
    rgb, t = item
    if job.first_time is None:
        job.first_time = t
    with job.timer("marking"):
        rgb = embed_watermark(visible_mark(_even(rgb)), job.payload, t - job.first_time)
    encoder.put((rgb, t))


def _write(job: _Job, writer, item: tuple[np.ndarray, float]) -> None:
    """Encode one frame at its source time (variable frame rates and the audio stay in sync)."""
    rgb, t = item
    with job.timer("encoding"):
        writer.write(rgb, t)


@contextmanager
def _one_opencv_thread() -> Iterator[None]:
    """OpenCV without its own worker threads while the stages run: the stages already keep every core busy, and
    OpenCV's threads competing with them cost about 15% more CPU per frame (measured in bench/swap.py's job).
    Process-wide, so only for the length of one job (a worker runs one job at a time)."""
    import cv2

    previous = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(previous)


def _timed(timer: _Timer, stage: str, items) -> Iterator:
    """`items`, with the time spent producing each one added to `stage`."""
    it = iter(items)
    try:
        while True:
            with timer(stage):
                item = next(it, _DONE)
            if item is _DONE:
                return
            yield item
    finally:
        getattr(it, "close", lambda: None)()


class _TimedFinder:
    """A face finder whose searches add to the "detecting" stage."""

    def __init__(self, finder, timer: _Timer) -> None:
        self.finder, self.timer = finder, timer

    def detect(self, frames: list[np.ndarray]) -> list[list[Face]]:
        with self.timer("detecting"):
            return self.finder.detect(frames)


def _detected(job: _Job, face_finder, frames: Iterator) -> Iterator[tuple[float, np.ndarray, list]]:
    """(time, frame, faces) for each decoded frame; faces searched on keyframes and interpolated between."""
    from models.faces.keyframes import KeyframeFaces

    return KeyframeFaces(_TimedFinder(face_finder, job.timer))((t, rgb) for _, t, rgb in frames)


def _run_frames(job: _Job, target: Path, writer, face_finder, total: int, on_progress: Progress, batch: int) -> None:
    """Decoding, face finding, swapping, marking and encoding overlap: each stage a thread (swapping in this one),
    bounded queues between them."""
    from models.media import iter_frames
    from models.pipelines.stages import Stages

    with _one_opencv_thread(), Stages() as stages:
        decoded = stages.background(_timed(job.timer, "decoding", iter_frames(target)), 2 * batch, "decode")
        found = stages.background(_detected(job, face_finder, decoded), 2 * batch, "detect")
        encoder = stages.sink(partial(_write, job, writer), batch, "encode")
        marker = stages.sink(partial(_mark, job, encoder), batch, "mark")
        for t, rgb, faces in found:
            marker.put((_process(job, rgb, t, faces), t))
            on_progress("swapping", min(1.0, job.frames / max(total, 1)))
        marker.finish()
        encoder.finish()


@dataclass(frozen=True)
class SwapRequest:
    """What one generation asks for: the source photo's face onto faces of the target video, written to `out`,
    watermarked with `payload` (the job id) and carrying `manifest` (provenance)."""

    source: Image
    target: Path
    out: Path
    payload: int
    manifest: dict
    select: str = "all"  # all, largest or reference
    reference: Optional[Image] = None  # the photo whose face picks the target face (select="reference")
    source_face_index: Optional[int] = None  # which face of the source photo (None: the only one)


def generate_video(request: SwapRequest, swapper, face_finder, *, recogniser=None,
                   on_progress: Progress = no_progress, batch: int = 8) -> GenerationResult:
    """Swap the source face into the target video; keep fps and audio; label, watermark, embed the manifest."""
    from models.media import VideoWriter, probe

    r, target = request, Path(request.target)
    timer, start = _Timer(), time.perf_counter()
    on_progress("analysing source", 0.0)
    with timer("analysing source"):
        identity = analyse_source(r.source, swapper, face_finder, r.source_face_index)
        info = probe(target)
        ref = None
        if r.select == "reference":
            if recogniser is None:
                from models.recognition import DlibDescriptor

                recogniser = DlibDescriptor()
            ref = reference_descriptor(r.reference if r.reference is not None else r.source, face_finder, recogniser)
    on_progress("analysing source", 1.0)
    job = _Job(swapper, identity, r.select, r.payload, ref, recogniser if r.select == "reference" else None, timer)
    out_path = Path(r.out)
    try:
        with VideoWriter(out_path, info.width, info.height, info.fps, audio_from=target,
                         metadata=to_metadata(r.manifest)) as writer:
            _run_frames(job, target, writer, face_finder, info.frames, on_progress, batch)
            on_progress("encoding", 0.0)
            flush_start = time.perf_counter()  # the encoder and the audio track flush on exit
        timer.seconds["encoding"] = timer.seconds.get("encoding", 0.0) + time.perf_counter() - flush_start
    except BaseException:
        out_path.unlink(missing_ok=True)
        raise
    on_progress("encoding", 1.0)
    return GenerationResult(out_path, job.frames, job.frames_with_faces, job.faces_swapped,
                            time.perf_counter() - start, timer.seconds, getattr(swapper, "name", ""), r.payload,
                            info.fps, info.width - info.width % 2, info.height - info.height % 2, timer.cpu)
