"""The detectors shipped in models/builtin: verified by sha256, loaded strictly, the same outputs as recorded."""

from __future__ import annotations

import numpy as np
import pytest

from models.catalog import CATALOG
from models.weights import BUILTIN_DIR, sha256_file

SHIPPED = ("blend_consistency", "sbi_mobilenet_v2", "sbi_gru")
# P(fake) of the fixed inputs below, recorded when the weights were committed (torch 2.13 CPU).
RECORDED = {"blend_consistency": [0.815602, 0.0, 0.180528], "sbi_mobilenet_v2": [0.805682, 0.199267, 0.46114],
            "sbi_gru": [0.852788, 0.060748, 0.218428]}


def fixed_crops() -> np.ndarray:
    """Three 256x256 crops: a real face (t1.jpg), a flat grey square, seeded noise."""
    import cv2

    from tests.videofactory import one_face_photo

    face = cv2.resize(one_face_photo()[40:360, 20:340], (256, 256), interpolation=cv2.INTER_AREA)
    grey = np.full((256, 256, 3), 128, np.uint8)
    noise = np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8)
    return np.stack([face, grey, noise])


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_weights_are_the_catalogued_files(name):
    path = BUILTIN_DIR / CATALOG[name].path
    assert CATALOG[name].builtin and path.is_file()
    assert sha256_file(path) == CATALOG[name].sha256
    assert path.stat().st_size < 25 * 1024 * 1024


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_detector_loads_strictly_and_gives_the_recorded_outputs(name):
    from models.detectors import load_detector

    detector = load_detector(name, None)  # no models folder at all: a fresh offline machine
    scores = [detector.score(crop[None])[0] for crop in fixed_crops()]  # one crop at a time: a GRU scores sequences
    np.testing.assert_allclose(scores, RECORDED[name], atol=2e-4)


def test_a_changed_weights_file_is_refused(tmp_path):
    import shutil

    from models.detectors.sbi import SbiDetector
    from models.errors import WeightsMismatch

    bad = tmp_path / "sbi_mobilenet_v2.pt"
    shutil.copy(BUILTIN_DIR / CATALOG["sbi_mobilenet_v2"].path, bad)
    shutil.copy((BUILTIN_DIR / CATALOG["sbi_mobilenet_v2"].path).with_suffix(".json"), bad.with_suffix(".json"))
    with open(bad, "r+b") as fh:
        fh.seek(-100, 2)
        fh.write(b"\x00" * 8)
    with pytest.raises(WeightsMismatch):
        SbiDetector(bad)


def test_the_card_states_calibration_band_and_measured_metrics():
    from models.detectors import headline_metrics, shipped_card

    card = shipped_card("sbi_mobilenet_v2")
    assert card["calibration"]["method"] == "platt" and card["inconclusive_band"] == [0.3, 0.7]
    assert card["weights_sha256"] == CATALOG["sbi_mobilenet_v2"].sha256
    flat = headline_metrics(card)
    assert 0.5 < flat["auc"] <= 1.0 and flat["auc_ci95_low"] <= flat["auc"] <= flat["auc_ci95_high"]
    assert {"ffpp_auc", "talking_head_auc", "other_auc", "log_loss", "ece"} <= set(flat)
    assert card["split"]["folds"] and card["settings"]["seed"] == 0
