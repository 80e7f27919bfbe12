"""C2PA Content Credentials: a signed output validates with c2pa-python's Reader and says AI-generated, job id,
requester and approver; one changed byte in the mdat breaks it; an unsigned video has none."""

from __future__ import annotations

import json
import struct

import c2pa
import numpy as np
import pytest

from models.media import VideoWriter
from models.provenance.c2pa import (
    AI_SOURCE,
    ContentCredentials,
    CredentialsError,
    read_credentials,
    sign_credentials,
)
from models.provenance.certificates import CertificateError, from_settings, lab_identity
from models.provenance.manifest import build_manifest

JOB_ID = 4242


@pytest.fixture
def video(tmp_path):
    path = tmp_path / "out.mp4"
    with VideoWriter(path, 160, 120, 10) as writer:
        for i in range(6):
            writer.write(np.full((120, 160, 3), 40 + 20 * i, np.uint8))
    return path


@pytest.fixture
def manifest():
    return build_manifest(portal="lab-portal", job_id=JOB_ID, requester="Ann Member <ann@lab>",
                          approver="Sam Supervisor <sam@lab>", swapper="classical",
                          inputs_sha256={"target_video": "cd" * 32})


@pytest.fixture
def credentials(tmp_path):
    return ContentCredentials(lab_identity(tmp_path / "c2pa"))


def _mdat_offset(path) -> tuple[int, int]:
    """(start, size) of the payload of the first top-level mdat box."""
    data = path.read_bytes()
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[pos + 8 : pos + 16])[0], 16
        if kind == b"mdat":
            return pos + header, size - header
        pos += size or len(data)
    raise AssertionError("no mdat box")


def test_signed_output_validates_and_says_who_and_what(credentials, video, manifest):
    credentials.sign(video, manifest)
    found = credentials.read(video)
    assert found.present and found.valid and found.trusted, found.errors
    assert found.ai_generated and found.job_id == JOB_ID
    assert found.requester == "Ann Member <ann@lab>" and found.approver == "Sam Supervisor <sam@lab>"
    assert found.actions[0] == "c2pa.created" and found.issuer
    # the library's own reader, with default settings, agrees: valid signature, AI-generated source type
    with open(video, "rb") as stream, c2pa.Reader("video/mp4", stream) as reader:
        store = json.loads(reader.json())
    assert store["validation_state"] in ("Valid", "Trusted")
    active = store["manifests"][store["active_manifest"]]
    actions = next(a for a in active["assertions"] if a["label"].startswith("c2pa.actions"))["data"]["actions"]
    assert actions[0]["digitalSourceType"] == AI_SOURCE


def test_one_changed_byte_in_the_mdat_fails_validation(credentials, video, manifest):
    credentials.sign(video, manifest)
    start, size = _mdat_offset(video)
    data = bytearray(video.read_bytes())
    data[start + size // 2] ^= 0xFF
    video.write_bytes(bytes(data))
    found = credentials.read(video)
    assert found.present and not found.valid and not found.trusted
    assert any("mismatch" in e for e in found.errors), found.errors


def test_unsigned_video_has_no_credentials(credentials, video):
    found = credentials.read(video)
    assert not found.present and not found.valid and found.errors == ()
    assert read_credentials(video)["present"] is False


def test_a_format_that_cannot_carry_credentials_reads_as_none(tmp_path):
    import av

    path = tmp_path / "clip.webm"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libvpx", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for _ in range(3):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8), format="rgb24")))
        out.mux(stream.encode())
    found = read_credentials(path)
    assert found["present"] is False and "cannot be checked in a video/webm file" in found["errors"][0]


def test_without_the_lab_ca_the_signature_holds_but_is_not_trusted(credentials, video, manifest):
    credentials.sign(video, manifest)
    found = read_credentials(video)  # no settings: no trust anchors
    assert found["present"] and found["valid"] and not found["trusted"]
    assert found["job_id"] == JOB_ID and found["ai_generated"]
    assert any("untrusted" in e for e in found["errors"])
    json.dumps(found)  # a plain dict for a report


def test_the_portal_settings_sign_with_one_lab_identity_made_once(tmp_path, video, manifest):
    settings = {"C2PA_CERT_DIR": str(tmp_path / "instance" / "c2pa")}
    sign_credentials(video, manifest, settings)
    first = (tmp_path / "instance" / "c2pa" / "signer-key.pem").read_bytes()
    assert from_settings(settings).key == first  # reused, not made again
    assert read_credentials(video, settings)["trusted"] is True


def test_the_labs_own_certificate_from_settings(tmp_path, video, manifest):
    lab_identity(tmp_path / "own")  # stands in for the lab's own certificate files
    own = {"C2PA_SIGNING_CERT": str(tmp_path / "own" / "signer-chain.pem"),
           "C2PA_SIGNING_KEY": str(tmp_path / "own" / "signer-key.pem"),
           "C2PA_TRUST_ANCHORS": str(tmp_path / "own" / "lab-ca.pem")}
    sign_credentials(video, manifest, own)
    assert read_credentials(video, own)["trusted"] is True
    with pytest.raises(CertificateError, match="could not be read"):
        from_settings({**own, "C2PA_SIGNING_KEY": str(tmp_path / "missing.pem")})


def test_a_file_that_is_not_a_video_cannot_be_signed(credentials, tmp_path, manifest):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all")
    with pytest.raises(CredentialsError, match="could not be signed"):
        credentials.sign(junk, manifest)
    assert junk.read_bytes() == b"not a video at all"


def test_credentials_partial_renders_each_case(credentials, video, manifest):
    from pathlib import Path

    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parents[2] / "templates"),
                             autoescape=True)
    partial = env.get_template("jobs/_credentials.html")
    assert "carries no Content Credentials" in partial.render(credentials=credentials.read(video).as_dict())
    credentials.sign(video, manifest)
    html = partial.render(credentials=credentials.read(video).as_dict())
    assert "signature valid" in html and "#4242" in html and "Sam Supervisor" in html
    assert "not trusted" in partial.render(credentials=read_credentials(video))
