"""models.weights.download with a local opener: a good file is stored, a wrong sha256 is refused and leaves nothing."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from models.catalog import WeightsFile
from models.errors import WeightsMismatch, WeightsMissing
from models.weights import download, locate, status

PAYLOAD = (
    b"weights of a tiny model\n" * 5000
)  # 120 kB: more than one read chunk is not needed, several are fine


def served(payload: bytes):
    """An opener that serves bytes the test made, recording which url it was asked for."""
    asked: list[str] = []

    def opener(url: str):
        asked.append(url)
        return io.BytesIO(payload)

    return opener, asked


def entry(sha: str) -> WeightsFile:
    return WeightsFile(
        "tiny",
        "tiny/model.bin",
        "https://example.invalid/model.bin",
        sha,
        "MIT",
        "detector",
    )


def test_download_stores_a_file_with_the_right_sha256(tmp_path: Path):
    opener, asked = served(PAYLOAD)
    path = download(entry(hashlib.sha256(PAYLOAD).hexdigest()), tmp_path, opener=opener)
    assert asked == ["https://example.invalid/model.bin"]
    assert path == tmp_path / "tiny/model.bin" and path.read_bytes() == PAYLOAD
    assert list(path.parent.iterdir()) == [path]  # no temporary file left beside it


def test_download_refuses_a_wrong_sha256_and_leaves_nothing(tmp_path: Path):
    opener, _ = served(PAYLOAD + b"tampered")
    with pytest.raises(WeightsMismatch, match="expected"):
        download(entry(hashlib.sha256(PAYLOAD).hexdigest()), tmp_path, opener=opener)
    assert list((tmp_path / "tiny").iterdir()) == []


def test_download_needs_a_url(tmp_path: Path):
    no_url = WeightsFile(
        "pack_only",
        "p/x.onnx",
        None,
        None,
        "MIT",
        "face_detector",
        "inside a model pack",
    )
    with pytest.raises(WeightsMissing, match="inside a model pack"):
        download(no_url, tmp_path)


def test_locate_and_status_check_sha256(tmp_path: Path, shared_weights):
    assert locate("meso4_df", shared_weights).name == "Meso4_DF.h5"
    assert "not installed" in status("meso4_df", tmp_path)
    fake = tmp_path / "mesonet" / "Meso4_DF.h5"
    fake.parent.mkdir()
    fake.write_bytes(b"not the real file")
    with pytest.raises(WeightsMismatch, match="sha256 differs"):
        locate("meso4_df", tmp_path)
