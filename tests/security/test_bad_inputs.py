"""At least 30 bad inputs across photo, video and form fields: each is refused with a message, never a 500,
and an input that is accepted ends in a true state."""

import io

import pytest

from tests.portal.conftest import wait_for_job
from tests.security import badinputs as bad

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, face_video):
    """name -> (bytes, filename) of the bad files (made once)."""
    tmp = tmp_path_factory.mktemp("bad")
    good = face_video.read_bytes()
    return {
        "png_bomb": (bad.png_bomb(), "bomb.png"),
        "jpeg_absurd_header": (bad.jpeg_absurd_header(), "big.jpg"),
        "html_as_jpg": (HTML, "photo.jpg"),
        "svg_with_script": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "a.png"),
        "gif": (b"GIF89a" + b"\x00" * 40, "a.gif"),
        "png_header_only": (b"\x89PNG\r\n\x1a\n", "cut.png"),
        "empty": (b"", "empty.jpg"),
        "pdf_as_photo": (b"%PDF-1.4\n%%EOF", "a.jpg"),
        "random_bytes": (bytes(range(256)) * 40, "noise.jpg"),
        "jpeg_html_polyglot": (bad.jpeg() + HTML, "poly.jpg"),
        "text_as_mp4": (b"hello, this is not a video", "clip.mp4"),
        "png_as_mp4": (bad.jpeg(), "clip.mp4"),
        "ftyp_then_garbage": (b"\x00\x00\x00\x18ftypmp42" + b"\xde\xad" * 500, "clip.mp4"),
        "truncated_video": (good[: len(good) // 3], "cut.mp4"),
        "ts_sync_garbage": (b"G" + b"\x00" * 2000, "clip.ts"),
        "riff_garbage": (b"RIFF\x00\x00\x00\x00AVI " + b"\x01" * 500, "clip.avi"),
        "zip_as_mp4": (bad.zip_file(), "clip.mp4"),
        "video_too_large": (bad.video(tmp / "big.mp4", size=(4096, 2304), frames=1), "big.mp4"),
        "video_too_long": (bad.video(tmp / "long.mp4", frames=2, fps=1, pts_step=700), "long.mp4"),
        "video_1000fps": (bad.video(tmp / "fast.mp4", frames=3, fps=1000), "fast.mp4"),
        "audio_only": (_audio_only(tmp), "sound.mp4"),
        "mp4_html_polyglot": (good + HTML, "poly.mp4"),
        "good": (good, "clip.mp4"),
    }


def _audio_only(tmp):
    from tests.videofactory import audio_only

    return audio_only(tmp / "audio.m4a").read_bytes()


@pytest.fixture()
def member(signed_in):
    return signed_in("member")


def _detect(b, video, **fields):
    data = {"detector": "sbi_mobilenet_v2", "frames": 8, "aggregation": "mean", **fields}
    if video is not None:
        data["video"] = (io.BytesIO(video[0]), video[1])
    return b.post("/detect", data, token_page="/detect", content_type="multipart/form-data")


VIDEO_CASES = ["text_as_mp4", "ftyp_then_garbage", "truncated_video", "ts_sync_garbage",
               "riff_garbage", "zip_as_mp4", "video_too_large", "video_too_long", "audio_only", "empty",
               "html_as_jpg", "png_bomb"]


@pytest.mark.parametrize("case", VIDEO_CASES)
def test_bad_videos_are_refused(member, corpus, case):
    r = _detect(member, corpus[case])
    assert r.status_code == 400, (case, r.status_code)
    assert "flash-error" in r.get_data(as_text=True)


def test_a_photo_named_like_a_video_is_judged_as_the_photo_it_is(member, corpus):
    """Detection takes photos too; the content decides, never the name (a JPEG called clip.mp4 is a photo)."""
    r = _detect(member, corpus["png_as_mp4"])
    assert r.status_code == 302 and "/jobs/" in r.headers["Location"]


PHOTO_CASES = ["png_bomb", "jpeg_absurd_header", "html_as_jpg", "svg_with_script", "gif", "png_header_only",
               "empty", "pdf_as_photo", "random_bytes", "text_as_mp4"]


@pytest.mark.parametrize("case", PHOTO_CASES)
def test_bad_photos_are_refused(member, corpus, case):
    data = {"source": (io.BytesIO(corpus[case][0]), corpus[case][1]),
            "target": (io.BytesIO(corpus["good"][0]), "target.mp4"), "swapper": "classical", "faces": "all",
            "purpose": "Testing the portal with bad photos.", "consent_subject": "Test Person", "consent": "y"}
    r = member.post("/generate", data, token_page="/generate", content_type="multipart/form-data")
    assert r.status_code == 400, (case, r.status_code)
    assert "<script>alert" not in r.get_data(as_text=True)


NAMES = ["../../../etc/passwd", "..\\..\\windows\\system32\\a.mp4", "a" * 5000 + ".mp4", "nul\x00byte.mp4",
         "rtl\u202egnp.mp4", "видео 🎥 動画.mp4", "<script>alert(1)</script>.mp4", "", " ", "con.mp4"]


@pytest.mark.parametrize("name", NAMES, ids=range(len(NAMES)))
def test_file_names_never_reach_the_page_raw(member, corpus, name):
    r = _detect(member, (b"not a video at all", name))
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "<script>alert(1)" not in page and "/etc/passwd" not in page


FORM_CASES = [{"frames": -1}, {"frames": 10**30}, {"frames": ""}, {"frames": "1e3"}, {"detector": "../../x"},
              {"detector": ""}, {"aggregation": "平均"}, {"aggregation": "mean" * 1000}]


@pytest.mark.parametrize("fields", FORM_CASES, ids=range(len(FORM_CASES)))
def test_bad_form_fields(member, corpus, fields):
    assert _detect(member, corpus["good"], **fields).status_code == 400
    assert _detect(member, None, **fields).status_code == 400


@pytest.mark.parametrize("method,url", [("PUT", "/detect"), ("DELETE", "/jobs"), ("PATCH", "/login"),
                                        ("GET", "/logout"), ("POST", "/jobs"), ("DELETE", "/api/v1/jobs"),
                                        ("PUT", "/account/tokens/"), ("POST", "/jobs/1/status.json")])
def test_wrong_methods_are_405(member, method, url):
    assert member.client.open(url, method=method).status_code == 405


@pytest.mark.parametrize("url", ["/jobs?page=-5", "/jobs?kind=<script>",
                                 "/jobs?status=%00", "/detect?x=" + "a" * 5000, "/jobs/0", "/files/0"])
def test_odd_urls(member, url):
    r = member.get(url)
    assert r.status_code < 500 and "<script>" not in r.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/jobs/99999999999999999999", "/files/99999999999999999999",
                                 "/jobs/9223372036854775808/status.json", "/jobs?page=99999999999999999999"])
def test_ids_beyond_the_integer_column(member, url):
    assert member.get(url).status_code in (200, 404)


def test_accepted_odd_inputs_end_in_a_true_state(app, worker, member, corpus):
    """A real video with HTML appended, and one at 1000 fps, are accepted; their jobs end, never stuck."""
    ids = []
    for case in ("mp4_html_polyglot", "video_1000fps"):
        r = _detect(member, (corpus[case][0], "../../" + corpus[case][1]))
        if r.status_code == 302:
            ids.append(int(r.headers["Location"].rsplit("/", 1)[1]))
        else:
            assert r.status_code == 400
    for job_id in ids:
        status, error, _ = wait_for_job(app, job_id, timeout=120)
        assert status in ("succeeded", "failed"), error
        page = member.get(f"/jobs/{job_id}").get_data(as_text=True)
        assert "../" not in page
