"""`flask generate` on a target with MP3 audio in Matroska, and the real error (not "Aborted!") when it fails."""

from __future__ import annotations

from tests import media_variants as mv
from tests.portal.test_generation import jpeg


def test_generate_command_on_mp3_in_mkv(app, tmp_path):
    from models.media import probe
    from tests.models.test_audio_sync import assert_h264_aac, assert_in_sync
    from tests.videofactory import one_face_photo, real_photo

    source = tmp_path / "me.jpg"
    source.write_bytes(jpeg(one_face_photo()))
    target = mv.make(tmp_path / "target", mv.shorter(mv.BY_NAME["mp3-44k-stereo-mkv"], 0.5), photo=real_photo("t1"))
    out = tmp_path / "out.mp4"
    result = app.test_cli_runner().invoke(args=["generate", "--source", str(source), "--target", str(target),
                                                "--out", str(out), "--faces", "largest"])
    assert result.exit_code == 0, result.output
    assert_h264_aac(out, with_audio=True)
    assert_in_sync(target, out) and probe(out).has_audio


def test_generate_command_prints_the_real_error(app, tmp_path, monkeypatch):
    import av

    def broken(*args, **kwargs):
        raise av.error.EOFError(541478725, "End of file", "avcodec_send_frame()")  # what click showed as "Aborted!"

    monkeypatch.setattr("portal.cli.generate.generate_offline", broken)
    source = tmp_path / "me.jpg"
    source.write_bytes(b"x")
    result = app.test_cli_runner().invoke(args=["generate", "--source", str(source), "--target", str(source),
                                                "--out", str(tmp_path / "o.mp4")])
    assert result.exit_code != 0 and "Aborted" not in result.output
    assert "EOFError" in result.output and "avcodec_send_frame" in result.output
