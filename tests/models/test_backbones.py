"""Backbone registry: names and sizes, light import, refusal of random features, md5 check, feature shapes."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from models.backbones import BACKBONES, backbone_status, keras_weights, load_backbone
from models.backbones.keras_apps import KERAS_APPS
from models.catalog import CATALOG
from models.errors import WeightsMismatch, WeightsMissing


def test_registry_names_and_feature_sizes():
    dims = {name: spec.dim for name, spec in BACKBONES.items()}
    assert dims == {"densenet169": 1664, "resnet101v2": 2048, "resnet50": 2048, "inceptionv3": 2048,
                    "inceptionresnetv2": 1536, "mobilenet_v2": 1280, "efficientnet_lite0": 1280, "small_cnn": 64}
    assert {BACKBONES[n].input_size for n in ("inceptionv3", "inceptionresnetv2")} == {299}
    for app in KERAS_APPS.values():
        entry = CATALOG[app.catalog_name]
        assert entry.kind == "backbone" and entry.url == app.url and entry.url.endswith(app.file)


def test_importing_the_registry_loads_no_runtime():
    code = ("import sys, models.backbones, models.heads, models.training.datasets, models.training.features, "
            "models.training.train, models.training.evaluate; "
            "print([m for m in ('tensorflow', 'keras', 'torch') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_missing_imagenet_weights_refuse_random_features(tmp_path):
    status = backbone_status(tmp_path, keras_cache=tmp_path)
    assert status["densenet169"].startswith("unavailable:") and "densenet169_weights" in status["densenet169"]
    assert "random" in status["small_cnn"]
    with pytest.raises(WeightsMissing, match="refusing to train on random features"):
        load_backbone("densenet169", tmp_path, keras_cache=tmp_path)
    with pytest.raises(WeightsMissing, match="refusing to train on random features"):
        load_backbone("small_cnn", tmp_path)
    with pytest.raises(KeyError, match="Unknown backbone"):
        load_backbone("vgg16", tmp_path)


def test_a_wrong_file_in_place_of_keras_weights_is_refused(tmp_path):
    path = tmp_path / CATALOG["keras_resnet50"].path
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not the resnet50 weights")
    with pytest.raises(WeightsMismatch, match="md5 differs"):
        keras_weights("resnet50", tmp_path, keras_cache=tmp_path)
    assert "md5 differs" in backbone_status(tmp_path, keras_cache=tmp_path)["resnet50"]


def test_small_cnn_is_deterministic_and_batches(tmp_path):
    crops = np.random.default_rng(0).integers(0, 256, size=(37, 90, 90, 3), dtype=np.uint8)
    a = load_backbone("small_cnn", tmp_path, allow_random=True)
    b = load_backbone("small_cnn", tmp_path, allow_random=True)
    fa, fb = a.features(crops), b.features(crops[:5])
    assert fa.shape == (37, 64) and fa.dtype == np.float32 and a.identity == b.identity
    np.testing.assert_allclose(fa[:5], fb, rtol=1e-5, atol=1e-6)
    assert not a.pretrained and "random" in a.identity


def test_random_keras_backbone_when_allowed(tmp_path):
    net = load_backbone("resnet50", tmp_path, allow_random=True, keras_cache=tmp_path)  # fewest layers
    crops = np.random.default_rng(1).integers(0, 256, size=(3, 128, 128, 3), dtype=np.uint8)
    feats = net.features(crops)
    assert feats.shape == (3, 2048) and np.isfinite(feats).all()
    assert net.input_size == 224 and not net.pretrained and net.identity == "resnet50:random-seed0"


def test_mobilenet_v2_imagenet_features_of_real_faces(tmp_path):
    from tests.videofactory import one_face_photo

    net = load_backbone("mobilenet_v2", tmp_path)
    face = one_face_photo()
    crops = np.stack([face[:340, :340], face[:340, :340][:, ::-1], np.full((340, 340, 3), 128, np.uint8)])
    feats = net.features(crops)
    assert feats.shape == (3, 1280) and net.pretrained and net.identity.startswith("mobilenet_v2:imagenet-")
    cos = lambda u, v: float(u @ v / np.linalg.norm(u) / np.linalg.norm(v))  # noqa: E731
    assert cos(feats[0], feats[1]) > cos(feats[0], feats[2])  # a mirrored face is closer than a grey square
