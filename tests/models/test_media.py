"""models.media on videos the tests make: every bad input refused with a sentence, sampling, writing."""

from __future__ import annotations

import json

import av
import numpy as np
import pytest

from models.errors import MediaError
from models.media import VideoWriter, iter_frames, probe, read_image, sample_frames
from tests import videofactory as vf


@pytest.fixture(scope="module")
def bad_inputs(media_dir, face_video):
    """Files an upload may hold that are not usable videos."""
    empty = media_dir / "empty.mp4"
    empty.write_bytes(b"")
    text = media_dir / "notes.mp4"
    text.write_text("meeting notes, not a video\n" * 40)
    return {
        "empty": (empty, "is empty"),
        "text": (text, "not a video PyAV can read"),
        "truncated": (
            vf.truncated_copy(face_video, media_dir / "cut.mp4"),
            "truncated or damaged",
        ),
        "audio only": (vf.audio_only(media_dir / "tone.mp4"), "has no video stream"),
    }


@pytest.mark.parametrize("kind", ["empty", "text", "truncated", "audio only"])
def test_probe_refuses_bad_input(bad_inputs, kind):
    path, sentence = bad_inputs[kind]
    with pytest.raises(MediaError, match=sentence):
        probe(path)


def test_probe_reads_a_real_video(face_video):
    info = probe(face_video)
    assert (info.width, info.height, info.fps, info.frames, info.codec) == (
        640,
        360,
        10.0,
        20,
        "h264",
    )
    assert info.has_audio and info.duration == pytest.approx(2.0, abs=0.05)


def test_probe_limits(face_video):
    with pytest.raises(MediaError, match="above the limit of 1,000 pixels"):
        probe(face_video, max_pixels=1000)
    with pytest.raises(MediaError, match="above the limit of 1 s"):
        probe(face_video, max_duration=1)


def test_truncated_faststart_file_is_refused(media_dir, face_video):
    """A faststart file cut short opens (its index is at the front) but its frames are gone."""
    whole = media_dir / "fast.mp4"
    with VideoWriter(whole, 320, 240, 10) as writer:
        for _, _, rgb in iter_frames(face_video, max_side=320):
            writer.write(rgb)
    cut = vf.truncated_copy(whole, media_dir / "fast_cut.mp4", keep=0.02)
    with pytest.raises(MediaError, match="truncated or damaged"):
        probe(cut)


def test_one_frame_video(media_dir):
    one = vf.write_video(media_dir / "one.mp4", [vf.one_face_photo()])
    assert probe(one).frames == 1
    frames = sample_frames(one, 8)
    assert (
        len(frames) == 1 and frames[0][0] == 0 and frames[0][2].shape == vf.one_face_photo().shape
    )


def test_sampling_count_order_and_downscale(face_video):
    frames = sample_frames(face_video, 5, max_side=320)
    assert [i for i, _, _ in frames] == [0, 5, 10, 14, 19]
    times = [t for _, t, _ in frames]
    assert times == sorted(times) and times[-1] == pytest.approx(1.9)
    assert all(
        rgb.shape == (180, 320, 3) and rgb.dtype == np.uint8 for _, _, rgb in frames
    )
    assert (
        len(sample_frames(face_video, 100)) == 20
    )  # never more frames than the video has


def test_seeking_lands_on_the_right_frames(media_dir):
    """With a keyframe every 4 frames the sampler seeks; each sampled frame equals the one decoded in sequence."""
    path = media_dir / "gop4.mp4"
    photo = vf.real_photo("t1")
    with av.open(str(path), "w") as out:
        stream = out.add_stream(
            "libx264",
            rate=10,
            options={"g": "4", "keyint_min": "4", "sc_threshold": "0"},
        )
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for frame in vf._frames_from_photo(photo, (320, 240), 40):
            for packet in stream.encode(
                av.VideoFrame.from_ndarray(frame, format="rgb24")
            ):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    sequence = {i: rgb for i, _, rgb in iter_frames(path)}
    sampled = sample_frames(path, 6)
    assert [i for i, _, _ in sampled] == [0, 8, 16, 23, 31, 39]
    for index, _, rgb in sampled:
        assert np.array_equal(rgb, sequence[index])


def test_iter_frames_window(face_video):
    got = list(iter_frames(face_video, start=0.5, end=0.9))
    assert [i for i, _, _ in got] == [5, 6, 7, 8, 9]


def test_read_image(media_dir):
    import cv2

    photo = vf.one_face_photo()
    path = media_dir / "face.png"
    cv2.imwrite(str(path), photo[:, :, ::-1])
    assert np.array_equal(read_image(path), photo)
    with pytest.raises(MediaError, match="above the limit"):
        read_image(path, max_pixels=1000)
    text = media_dir / "photo.jpg"
    text.write_text("not a photo")
    with pytest.raises(MediaError, match="not an image"):
        read_image(text)
    (media_dir / "zero.jpg").write_bytes(b"")
    with pytest.raises(MediaError, match="empty"):
        read_image(media_dir / "zero.jpg")


def test_video_writer_keeps_audio_fps_and_metadata(media_dir, face_video):
    out = media_dir / "written.mp4"
    manifest = {"job": 7, "models": ["inswapper_128"]}
    with VideoWriter(
        out,
        640,
        360,
        10,
        audio_from=face_video,
        metadata={"comment": json.dumps(manifest)},
    ) as w:
        for _, _, rgb in iter_frames(face_video):
            w.write(rgb)
    with av.open(str(out)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (
            video.codec_context.name == "h264"
            and video.codec_context.pix_fmt == "yuv420p"
        )
        assert audio.codec_context.name == "aac" and float(video.average_rate) == 10.0
        assert json.loads(container.metadata["comment"]) == manifest
        assert float(audio.duration * audio.time_base) == pytest.approx(2.0, abs=0.1)
    data = out.read_bytes()
    assert data.index(b"moov") < data.index(
        b"mdat"
    )  # faststart: the index comes first, browsers play at once
    assert probe(out).frames == 20


@pytest.mark.parametrize("preset, subme", [(None, b"subme=2"), ("ultrafast", b"subme=0"), ("medium", b"subme=7")])
def test_video_writer_encodes_with_the_chosen_x264_preset(media_dir, face_video, preset, subme):
    """The portal writes with x264's veryfast preset (equal quality at a lower crf, a third of the time); the
    settings x264 records in the stream (its SEI text) show the preset's motion-search depth."""
    out = media_dir / f"preset-{preset}.mp4"
    options = {} if preset is None else {"preset": preset}
    with VideoWriter(out, 320, 180, 10, **options) as w:
        for _, _, rgb in iter_frames(face_video, max_side=320):
            w.write(rgb)
    data = out.read_bytes()
    assert subme in data and (preset is not None or b"crf=17.0" in data)
