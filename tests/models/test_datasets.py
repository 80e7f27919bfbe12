"""Dataset layouts -> (path, label 1 = FAKE); stratified split."""

from __future__ import annotations

import json

import pytest

from models.training.datasets import (
    FAKE,
    REAL,
    DatasetError,
    detect_layout,
    load_dataset,
    read_celebdf,
    read_dfdc,
    read_faceforensics,
    stratified_split,
)


def touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00")
    return path


def test_dfdc_metadata(tmp_path):
    part = tmp_path / "dfdc_train_part_0"
    for name in ("a.mp4", "b.mp4", "c.mp4"):
        touch(part / name)
    meta = {"a.mp4": {"label": "REAL", "split": "train"}, "b.mp4": {"label": "FAKE", "original": "a.mp4"},
            "c.mp4": {"label": "FAKE"}, "gone.mp4": {"label": "FAKE"}}
    (part / "metadata.json").write_text(json.dumps(meta))
    got = {s.path.name: s.label for s in read_dfdc(tmp_path)}
    assert got == {"a.mp4": REAL, "b.mp4": FAKE, "c.mp4": FAKE}
    assert detect_layout(tmp_path) == "dfdc"


def test_celebdf_list_one_means_real(tmp_path):
    touch(tmp_path / "Celeb-real/id0_0000.mp4")
    touch(tmp_path / "Celeb-synthesis/id0_id1_0000.mp4")
    (tmp_path / "List_of_testing_videos.txt").write_text(
        "1 Celeb-real/id0_0000.mp4\n0 Celeb-synthesis/id0_id1_0000.mp4\n1 YouTube-real/missing.mp4\n")
    got = {s.path.name: s.label for s in read_celebdf(tmp_path)}
    assert got == {"id0_0000.mp4": REAL, "id0_id1_0000.mp4": FAKE}
    assert detect_layout(tmp_path) == "celebdf"


def test_faceforensics_layout_and_method_filter(tmp_path):
    touch(tmp_path / "original_sequences/youtube/c23/videos/000.mp4")
    touch(tmp_path / "manipulated_sequences/Deepfakes/c23/videos/000_003.mp4")
    touch(tmp_path / "manipulated_sequences/Face2Face/c23/videos/000_003.mp4")
    touch(tmp_path / "manipulated_sequences/Face2Face/c40/videos/000_003.mp4")
    all_c23 = read_faceforensics(tmp_path, compression="c23")
    assert sorted((s.source, s.label) for s in all_c23) == [("Deepfakes", FAKE), ("Face2Face", FAKE), ("youtube", REAL)]
    only_df = read_faceforensics(tmp_path, methods=["Deepfakes"])
    assert sorted(s.source for s in only_df) == ["Deepfakes", "youtube"]
    assert detect_layout(tmp_path) == "faceforensics"


def test_real_fake_folders_and_split(tmp_path):
    for i in range(10):
        touch(tmp_path / "real" / f"r{i}.mp4")
    for i in range(30):
        touch(tmp_path / "fake" / "sub" / f"f{i}.avi")
    touch(tmp_path / "fake" / "notes.txt")
    samples = load_dataset(tmp_path)
    assert detect_layout(tmp_path) == "folders" and len(samples) == 40
    train, val, test = stratified_split(samples, (0.6, 0.2, 0.2), seed=3)
    assert [len(p) for p in (train, val, test)] == [24, 8, 8]
    assert [sum(s.label for s in p) for p in (train, val, test)] == [18, 6, 6]
    assert not {s.path for s in train} & {s.path for s in test}
    assert stratified_split(samples, (0.6, 0.2, 0.2), seed=3) == [train, val, test]


def test_unusable_folders_are_named(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        detect_layout(tmp_path / "nope")
    with pytest.raises(DatasetError, match="no known layout"):
        detect_layout(tmp_path)
    touch(tmp_path / "real" / "a.mp4")
    (tmp_path / "fake").mkdir()
    with pytest.raises(DatasetError, match="1 real and 0 fake"):
        load_dataset(tmp_path)
