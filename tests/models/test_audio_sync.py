"""VideoWriter on every shape of target: codecs, rates, layouts, containers, VFR, rotation; timing and audio kept."""

from __future__ import annotations

import csv
from pathlib import Path

import av
import numpy as np
import pytest

from models.media import VideoWriter, iter_frames, probe
from tests import media_variants as mv
from tests.avsync import audio_lag, timing
from tests.conftest import ROOT

PUBLIC_DEV = ROOT.parent / "shared" / "datasets" / "public-dev"
# One clip per kind of audio and container the public set holds; the first is the one of the bug report.
REAL_CLIPS = [
    "real/videoretalking_face5.mp4",  # H.264 + AAC 44.1 kHz stereo whose audio ends before the video
    "real/liveportrait_driving_d1.mp4",  # AAC 44.1 kHz stereo, half a second, a silent track
    "real/deeplipreading_example_demo.mp4",  # MPEG-4 part 2 + AAC 16 kHz mono
    "real/vexpress_hdtf_RD_Radio10_0_clip_0.mp4",  # H.264 + AAC 16 kHz mono
    "real/spectre_MEAD_M003_level_1_happy_024.mp4",  # 1080p + AAC 48 kHz stereo
    "real/lia_vox_driving3.mov",  # .mov, AAC 44.1 kHz mono (silent)
    "real/lipnet_GRID_bbaf2n.mpg",  # MPEG-1 + MP2
    "real/pyfeat_single_face.mp4",  # MP3
    "real/facerecognition_short_hamilton_clip.mp4",  # the audio starts 0.84 s before the first frame
]


def copy_through_writer(src: Path, out: Path) -> Path:
    """What generation does to a target's frames and audio, without the swap."""
    info = probe(src)
    with VideoWriter(out, info.width, info.height, info.fps, audio_from=src, crf=28) as writer:
        for _, t, rgb in iter_frames(src):
            writer.write(rgb, t)
    return out


def assert_in_sync(src: Path, out: Path) -> dict:
    """Same frames at the same times, duration within one frame, audio correlated at lag 0; returns the figures."""
    a, b = timing(src), timing(out)
    fps = probe(src).fps
    figures = {"frames": (len(a.frame_times), len(b.frame_times)), "duration": (a.duration, b.duration)}
    assert len(b.frame_times) == len(a.frame_times)
    assert max(abs(x - y) for x, y in zip(a.frame_times, b.frame_times)) < 0.002
    assert abs(b.duration - a.duration) <= 1 / fps, figures
    if a.audio is None:
        assert b.audio is None
        return figures
    if np.abs(a.audio).max() < 1e-4:  # a silent track (some clips carry one) stays silent
        assert np.abs(b.audio).max() < 1e-3
        return figures
    lag_ms, corr = audio_lag(a.audio, b.audio)
    figures.update(lag_ms=lag_ms, corr=corr)
    assert abs(lag_ms) <= 5 and corr > 0.9, figures
    return figures


def assert_h264_aac(out: Path, with_audio: bool) -> None:
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert [s.codec_context.name for s in container.streams.audio] == (["aac"] if with_audio else [])


@pytest.fixture(scope="module")
def variants_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("variants")


@pytest.mark.parametrize("variant", mv.VARIANTS, ids=lambda v: v.name)
def test_writer_keeps_timing_and_audio(variants_dir, variant):
    src = mv.make(variants_dir / variant.name, variant)
    out = copy_through_writer(src, variants_dir / f"{variant.name}.out.mp4")
    assert_h264_aac(out, with_audio=variant.acodec is not None)
    assert_in_sync(src, out)


def test_rotated_target_is_written_upright(variants_dir):
    variant = mv.BY_NAME["rotated-90"]
    src = mv.make(variants_dir / "upright", variant)
    assert (probe(src).width, probe(src).height) == (136, 240)  # as players show it
    frames = [rgb for _, _, rgb in iter_frames(src)]
    assert frames[0].shape == (240, 136, 3)
    coded = next(av.open(str(src)).decode(video=0)).to_ndarray(format="rgb24")
    assert np.abs(np.rot90(coded).astype(int) - frames[0]).max() == 0  # 90 degrees counter-clockwise
    out = copy_through_writer(src, variants_dir / "upright.mp4")
    with av.open(str(out)) as container:
        first = next(container.decode(video=0))
        assert (first.width, first.height, first.rotation) == (136, 240, 0)


def test_odd_sized_target_is_cropped_to_even(variants_dir):
    src = mv.make(variants_dir / "odd", mv.BY_NAME["odd-size-webm"])
    out = copy_through_writer(src, variants_dir / "odd.mp4")
    assert (probe(out).width, probe(out).height) == (320, 178)


def test_audio_longer_or_shorter_than_the_video(variants_dir):
    """Real clips' audio rarely ends with the last frame; neither case may fail (the reported EOFError)."""
    for seconds, name in ((1.0, "short-audio"), (3.0, "long-audio")):
        src = mv.make(variants_dir / name, mv.Variant(name, seconds=2.0))
        cut = variants_dir / f"{name}.mkv"
        with av.open(str(src)) as inp, av.open(str(cut), "w") as dst:
            streams = {s.index: dst.add_stream_from_template(s) for s in inp.streams}
            for packet in inp.demux():
                if packet.dts is None:
                    continue
                if packet.stream.type == "audio" and float(packet.pts * packet.time_base) >= seconds:
                    continue
                packet.stream = streams[packet.stream.index]
                dst.mux(packet)
        out = copy_through_writer(cut, variants_dir / f"{name}.out.mp4")
        assert_in_sync(cut, out)


def test_sync_measure_sees_a_shift(variants_dir):
    """The check itself: audio moved by 100 ms is found 100 ms off and no longer correlates at lag 0."""
    samples = mv.signal(16000, 2.0, 1)[0]
    shifted = np.concatenate([np.zeros(1600, np.float32), samples])[: samples.size]
    lag_ms, corr = audio_lag(samples, shifted)
    assert lag_ms == pytest.approx(100, abs=5) and corr < 0.5


def _public_clip(rel: str) -> Path:
    labels = PUBLIC_DEV / "labels.csv"
    if not labels.is_file():
        pytest.skip(f"needs the public-dev clips in {PUBLIC_DEV} (../shared is absent on a fresh clone)")
    rows = {r["path"]: r for r in csv.DictReader(labels.open())}
    if rel not in rows or not (PUBLIC_DEV / rel).is_file():
        pytest.skip(f"{rel} is not in this copy of public-dev")
    assert rows[rel]["has_audio"] == "1"
    return PUBLIC_DEV / rel


@pytest.mark.parametrize("rel", REAL_CLIPS)
def test_public_clips_with_audio(tmp_path, rel):
    src = _public_clip(rel)
    out = copy_through_writer(src, tmp_path / "out.mp4")
    assert_h264_aac(out, with_audio=True)
    assert_in_sync(src, out)
