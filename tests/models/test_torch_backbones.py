"""ImageNet backbones from registry packages: strict loading, plausible classes on real photos, useful features."""

from __future__ import annotations

import numpy as np
import pytest

from models.torchnets import BACKBONES, get_backbone

# ImageNet indices (torchvision order) of what t1.jpg shows: people playing cards round a table.
SCENE = {762: "restaurant", 532: "dining table", 470: "candle", 809: "soup bowl"}
WIG = 903  # the usual ImageNet class of a tight crop of a face with long hair


@pytest.fixture(scope="module", params=sorted(BACKBONES))
def backbone(request):
    return get_backbone(request.param)  # their weights packages are in requirements.txt: missing is a failure


@pytest.fixture(scope="module")
def photos():
    from tests.videofactory import real_photo

    scene = real_photo("t1")
    return scene, scene[230:430, 30:200]


def _top5(backbone, image) -> set[int]:
    return set(np.argsort(-backbone.logits([image])[0])[:5].tolist())


def test_weights_load_strictly(backbone):
    import torch

    state = torch.load(str(backbone.weights), map_location="cpu", weights_only=True)
    assert set(state) == set(backbone.net.state_dict())  # build() already loaded it with strict=True


def test_real_photos_get_plausible_classes(backbone, photos):
    scene, face = photos
    assert _top5(backbone, scene) & set(SCENE)
    assert WIG in _top5(backbone, face)


def test_backbones_agree_with_each_other(photos):
    mobilenet, lite = (get_backbone(n) for n in sorted(BACKBONES))
    for image in photos:
        top1 = int(np.argmax(mobilenet.logits([image])[0]))
        assert top1 in _top5(lite, image)


def test_features_tell_a_face_from_noise(backbone, photos):
    face = photos[1]
    noise = np.random.default_rng(0).integers(0, 255, face.shape, dtype=np.uint8)
    shifted = np.ascontiguousarray(face[5:, 5:])
    feats = backbone.features(np.stack([face, noise, face[:, ::-1]]))
    feats = np.concatenate([feats, backbone.features([shifted])])
    assert feats.shape == (4, 1280) and feats.dtype == np.float32
    unit = feats / np.linalg.norm(feats, axis=1, keepdims=True)
    same, other = unit[0] @ unit[3], unit[0] @ unit[1]
    assert same > 0.9 and same - other > 0.2
