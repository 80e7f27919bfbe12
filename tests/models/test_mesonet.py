"""MesoNet: every tensor of the upstream .h5 files lands in the right Keras 3 layer; scores mean P(fake)."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from models.detectors import DETECTORS, detector_status, load_detector
from models.errors import WeightsMissing
from tests import videofactory as vf

NAMES = [name for name in DETECTORS if name.startswith("meso")]


@pytest.fixture(scope="module")
def detectors(shared_weights):
    return {name: load_detector(name, shared_weights) for name in NAMES}


@pytest.fixture(scope="module")
def real_crops(shared_weights) -> np.ndarray:
    """The six real faces of t1.jpg, cropped with crop_face (margin 0.3, 256 px)."""
    from models.faces import get_face_finder
    from models.faces.crop import crop_face

    photo = vf.real_photo("t1")
    faces = get_face_finder("yunet", shared_weights).detect([photo])[0]
    return np.stack([crop_face(photo, f.box, margin=0.3, size=256) for f in faces])


def planted(crops: np.ndarray) -> np.ndarray:
    """The classic deepfake artefact planted in real crops: the inner face rendered at 24 px and upscaled."""
    import cv2

    out = crops.copy()
    a, b = 64, 192
    for crop in out:
        small = cv2.resize(crop[a:b, a:b], (24, 24), interpolation=cv2.INTER_AREA)
        crop[a:b, a:b] = cv2.resize(
            small, (b - a, b - a), interpolation=cv2.INTER_LINEAR
        )
    return out


@pytest.mark.parametrize("name", NAMES)
def test_every_h5_tensor_equals_the_loaded_weight(detectors, name):
    det = detectors[name]
    by_h5 = {
        det.h5_origin[id(layer)]: layer
        for layer in det.model.layers
        if id(layer) in det.h5_origin
    }
    with h5py.File(det.weights, "r") as fh:
        stored = [
            n.decode()
            for n in fh.attrs["layer_names"]
            if len(fh[n.decode()].attrs["weight_names"])
        ]
        assert sorted(stored) == sorted(by_h5)
        for layer_name in stored:
            group = fh[layer_name]
            arrays = [np.asarray(group[w]) for w in group.attrs["weight_names"]]
            loaded = by_h5[layer_name].get_weights()
            assert len(arrays) == len(loaded)
            for a, b in zip(arrays, loaded):
                np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["mesoinception4_df", "mesoinception4_f2f"])
def test_inception_branches_keep_their_dilation(detectors, name):
    """Upstream numbering: per module the 3x3 (dilation 1), 3x3 dilation 2, 3x3 dilation 3 follow their 1x1."""
    det = detectors[name]
    convs = sorted(
        (
            (int(det.h5_origin[id(layer)].split("_")[-1]), layer)
            for layer in det.model.layers
            if id(layer) in det.h5_origin
            and det.h5_origin[id(layer)].startswith("conv2d")
        ),
        key=lambda t: t[0],
    )
    dilations = [layer.dilation_rate[0] for _, layer in convs]
    assert dilations == [1, 1, 1, 1, 2, 1, 3] * 2 + [1, 1]
    for number, layer in convs[:14]:
        if layer.kernel_size == (3, 3):
            parent = layer._inbound_nodes[0].parent_nodes[0].operation
            assert det.h5_origin[id(parent)] == f"conv2d_{number - 1}"


@pytest.mark.parametrize("name", ["meso4_df", "meso4_f2f", "mesoinception4_f2f"])
def test_sigmoid_means_real(detectors, real_crops, name):
    """Real crops score lower P(fake) than the same crops with a planted low-resolution face."""
    det = detectors[name]
    real, fake = det.score(real_crops), det.score(planted(real_crops))
    assert real.shape == (6,) and np.all((real >= 0) & (real <= 1))
    assert real.mean() < 0.5 and fake.mean() > real.mean() + 0.2


def test_mesoinception4_df_on_small_real_faces(detectors, real_crops):
    """Documented: MesoInception4-DF calls t1's small (~110 px, upscaled) real faces fake; the planted crops more so."""
    det = detectors["mesoinception4_df"]
    real, fake = det.score(real_crops), det.score(planted(real_crops))
    assert real.mean() > 0.9 and fake.mean() >= real.mean()


def test_batches_are_padded_and_independent(detectors, real_crops):
    det = detectors["meso4_df"]
    many = np.concatenate([real_crops] * 7)  # 42 crops: two padded batches of 32
    np.testing.assert_allclose(
        det.score(many), np.tile(det.score(real_crops), 7), atol=1e-5
    )
    np.testing.assert_allclose(
        det.score(real_crops[:1]), det.score(real_crops)[:1], atol=1e-5
    )


def test_status_and_missing_weights(shared_weights, tmp_path):
    assert {n: r for n, r in detector_status(shared_weights).items() if n in NAMES} == {name: None for name in NAMES}
    assert all("not installed" in detector_status(tmp_path)[name] for name in NAMES)
    with pytest.raises(WeightsMissing, match="flask models download meso4_df"):
        load_detector("meso4_df", tmp_path)
