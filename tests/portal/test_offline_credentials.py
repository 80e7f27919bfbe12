"""`flask generate` outputs carry the lab's Content Credentials (C2PA), signed as the worker signs its outputs."""

from __future__ import annotations

import pytest

pytest.importorskip("c2pa")


def test_offline_generation_is_signed_and_validates(tmp_path, face_video):
    """generate_offline needs only the app's settings (no database): a bare Flask app holds the C2PA ones."""
    from flask import Flask
    from PIL import Image

    from models.provenance.c2pa import credentials_from_settings
    from portal.cli.generate import generate_offline
    from tests.videofactory import real_photo

    source = tmp_path / "source.png"
    Image.fromarray(real_photo("t1")[200:520, 380:640]).save(source)
    out = tmp_path / "out.mp4"
    app = Flask(__name__)
    app.config["C2PA_CERT_DIR"] = str(tmp_path / "c2pa")
    with app.app_context():
        result = generate_offline(str(source), str(face_video), str(out), "classical", "largest", None, None,
                                  "mtcnn", str(tmp_path / "models"))
        found = credentials_from_settings(app.config).read(out)
    assert result.frames == 20
    assert found.present and found.valid and found.trusted, found.errors
    assert found.ai_generated and found.job_id is None and found.actions[0] == "c2pa.created"
