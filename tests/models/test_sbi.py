"""The SBI recipe: the self-blend generator, the planted-signal learnability check, verdict rules, face tracks."""

from __future__ import annotations

import numpy as np
import pytest

from models.training.sbi import degrade, hull_mask, self_blend


def _face_landmarks(size: int = 256) -> np.ndarray:
    """68 points on a face-like outline (jaw arc + inner points), enough for a hull."""
    t = np.linspace(np.pi * 0.05, np.pi * 0.95, 17)
    jaw = np.stack([size / 2 - np.cos(t) * size * 0.3, size * 0.45 + np.sin(t) * size * 0.35], 1)
    rng = np.random.default_rng(0)
    inner = np.stack([rng.uniform(size * 0.3, size * 0.7, 51), rng.uniform(size * 0.3, size * 0.7, 51)], 1)
    return np.concatenate([jaw, inner]).astype(np.float32)


def _textured(size: int = 256) -> np.ndarray:
    rng = np.random.default_rng(1)
    base = np.linspace(40, 210, size)[None, :, None] + rng.normal(0, 12, (size, size, 3))
    return np.clip(base, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("seed", range(6))
def test_self_blend_changes_only_inside_the_face_hull(seed):
    import cv2

    img, marks = _textured(), _face_landmarks()
    fake, mask = self_blend(img, marks, np.random.default_rng(seed))
    hull = hull_mask(marks, 256)
    grown = cv2.dilate(hull, np.ones((41, 41), np.uint8))  # elastic warp + dilation + feather reach a few px out
    diff = np.abs(fake.astype(int) - img.astype(int)).sum(-1)
    assert diff[grown == 0].max() == 0  # nothing changes outside the (grown) hull
    assert diff[hull > 0].mean() > 1.0  # the blended region differs from the original
    assert mask.max() > 0.2 and mask[grown == 0].max() == 0


def test_degrade_keeps_size_and_type():
    out = degrade(_textured(), np.random.default_rng(3))
    assert out.shape == (256, 256, 3) and out.dtype == np.uint8


def test_verdict_rules():
    from models.verdicts import confidence, decide

    assert decide(0.9) == "FAKE" and decide(0.1) == "REAL"
    assert decide(0.55) == "INCONCLUSIVE" and decide(0.31, (0.3, 0.7)) == "INCONCLUSIVE"
    assert decide(0.95, thin=True) == "INCONCLUSIVE"  # a face in fewer than 3 frames never decides
    assert decide(0.85, short=True) == "INCONCLUSIVE" and decide(0.95, short=True) == "FAKE"
    assert confidence("REAL", 0.2) == pytest.approx(0.8) and confidence("INCONCLUSIVE", 0.4) == pytest.approx(0.6)


def test_tracks_follow_two_people_and_order_them():
    from models.faces.tracks import link_tracks
    from models.types import Face

    frames = []
    for k in range(6):
        left = Face((10 + k, 10, 110 + k, 110), 0.9)
        right = Face((300 - k, 20, 360 - k, 80), 0.9)
        frames.append([right, left] if k != 3 else [left])  # the small face is missed once
    tracks = link_tracks(frames)
    assert [len(t.frames) for t in tracks] == [6, 5]
    assert tracks[0].faces[0].box[0] == 10 and tracks[1].frames == [0, 1, 2, 4, 5]


def _planted_pool(labels: np.ndarray, seed: int):
    """Trunk features of faces, half of them with a planted blend artefact (a brighter, softened face hull)."""
    import cv2

    from models.detectors import sbi
    from models.training.sbi_recipe import Pool, trunk_features
    from tests.videofactory import one_face_photo

    rng = np.random.default_rng(seed)
    face = cv2.resize(one_face_photo(), (sbi.NET_SIZE, sbi.NET_SIZE), interpolation=cv2.INTER_AREA)
    marks = _face_landmarks(sbi.NET_SIZE)
    hull = hull_mask(marks, sbi.NET_SIZE)[..., None]
    images = []
    for label in labels:
        shifted = np.roll(face, tuple(rng.integers(-12, 13, 2)), axis=(0, 1)).astype(np.float32)
        shifted += rng.normal(0, 6, shifted.shape)
        if label:
            soft = cv2.GaussianBlur(shifted, (0, 0), 2.5) + 18
            shifted = shifted * (1 - hull) + soft * hull
        images.append(np.clip(shifted, 0, 255).astype(np.uint8))
    net = sbi.build_net()
    return net, Pool(trunk_features(net, images), labels.astype(np.float32), np.arange(len(labels)))


@pytest.fixture(scope="module")
def planted():
    """(ImageNet net, train pool, test pool): 32 training and 16 test faces, half with the planted blend."""
    base, train = _planted_pool(np.tile([0, 1], 16), 0)
    _, test = _planted_pool(np.tile([0, 1], 8), 1)
    return base, train, test


def _held_out_auc(base, train, test) -> float:
    from sklearn.metrics import roc_auc_score

    from models.training.sbi_recipe import RecipeSettings, fresh_net, train_top, video_scores

    net = train_top(fresh_net(base), train, RecipeSettings(epochs=6, batch=16, lr=3e-3), progress_bar=False)
    scores = video_scores(net, test)
    return roc_auc_score(test.labels, [scores[i] for i in range(len(test.labels))])


def test_training_learns_a_planted_blend(planted):
    assert _held_out_auc(*planted) >= 0.9


def test_training_learns_nothing_from_shuffled_labels(planted):
    from models.training.sbi_recipe import Pool

    base, train, test = planted
    shuffled = Pool(train.features, np.random.default_rng(5).permutation(train.labels), train.video)
    assert _held_out_auc(base, shuffled, test) < 0.8
