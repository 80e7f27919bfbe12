"""Learnability: a GRU head on cached frame features learns a planted face manipulation, and not shuffled labels.

Videos: crops around each of the six real faces of insightface's t1.jpg and Tom Hanks' photo, each filmed in
three pans (160x120, 8 frames); every one also as a copy whose face region is blended with an 8x down-and-up
scaled copy of itself (the blur of a face synthesised at low resolution). Train on two pans, test on the third.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

W, H, N = 160, 120, 8
PANS = 3


def sources(finder) -> list[tuple[np.ndarray, tuple]]:
    """(photo, face box) per person: six crops of t1 around one face each, Tom Hanks on a grey canvas."""
    from tests.videofactory import real_photo

    t1 = real_photo("t1")
    out = []
    for face in finder.detect([t1])[0]:
        x1, y1, x2, y2 = face.box
        cx, cy, s = (x1 + x2) / 2, (y1 + y2) / 2, (y2 - y1) * 1.3
        x0, y0 = int(max(0, cx - s * 4 / 3)), int(max(0, cy - s))
        out.append((t1[y0 : int(cy + s), x0 : int(cx + s * 4 / 3)].copy(), (x1 - x0, y1 - y0, x2 - x0, y2 - y0)))
    canvas = np.full((180, 240, 3), 120, np.uint8)
    canvas[34:146, 64:176] = real_photo("Tom_Hanks_54745")
    return out + [(canvas, (65, 34, 148, 145))]


def manipulate(photo: np.ndarray, box, factor: int = 8) -> np.ndarray:
    """The photo with its face blended (soft ellipse) with a factor-x down-and-up scaled copy of itself."""
    import cv2

    x1, y1, x2, y2 = (max(0, int(round(v))) for v in box)
    face = photo[y1:y2, x1:x2]
    h, w = face.shape[:2]
    small = cv2.resize(face, (max(1, w // factor), max(1, h // factor)), interpolation=cv2.INTER_AREA)
    blur = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w]
    alpha = np.clip((1.0 - ((xx - w / 2) / (w / 2)) ** 2 - ((yy - h / 2) / (h / 2)) ** 2) * 3, 0, 1)[..., None]
    out = photo.copy()
    out[y1:y2, x1:x2] = (alpha * blur + (1 - alpha) * face).astype(np.uint8)
    return out


def pan(photo: np.ndarray, variant: int):
    """N frames W x H: pan left-to-right, right-to-left, or zoom in, over the photo."""
    import cv2

    ph, pw = photo.shape[:2]
    for i in range(N):
        t = i / (N - 1)
        zoom = 1.1 + (0.1 * t if variant == 2 else 0.0)
        cw, ch = pw / zoom, ph / zoom
        x0, y0 = (pw - cw) * (t, 1 - t, 0.5)[variant], (ph - ch) * 0.5
        yield cv2.resize(photo[int(y0) : int(y0 + ch), int(x0) : int(x0 + cw)], (W, H), interpolation=cv2.INTER_AREA)


def make_videos(folder, finder) -> list[tuple]:
    """(path, label, person, pan) for every person x pan x {real, fake}; label 1 = fake."""
    from tests.videofactory import write_video

    out = []
    for k, (photo, box) in enumerate(sources(finder)):
        fake = manipulate(photo, box)
        for v in range(PANS):
            for label, image in ((0, photo), (1, fake)):
                kind = "fake" if label else "real"
                (folder / kind).mkdir(exist_ok=True)
                path = write_video(folder / kind / f"p{k}_pan{v}.mp4", pan(image, v), fps=8)
                out.append((path, label, k, v))
    return out


class CountingFinder:
    """The real face finder, counting its calls (to see the feature cache at work)."""

    def __init__(self, finder):
        self.finder, self.name, self.calls = finder, finder.name, 0

    def detect(self, frames):
        self.calls += 1
        return self.finder.detect(frames)


def extract(videos, backbone, finder, cache):
    from models.training.features import video_features

    pairs = [video_features(p, backbone, finder, N, cache_dir=cache) for p, *_ in videos]
    x, m = np.stack([a for a, _ in pairs]), np.stack([b for _, b in pairs])
    y, person, pan_ = (np.asarray([v[i] for v in videos]) for i in (1, 2, 3))
    return x, m, y, person, pan_


@pytest.fixture(scope="module")
def learn_set(tmp_path_factory):
    from models.backbones import load_backbone
    from models.faces import get_face_finder

    folder = tmp_path_factory.mktemp("learn")
    finder = CountingFinder(get_face_finder("mtcnn"))
    videos = make_videos(folder, finder.finder)
    backbone = load_backbone("small_cnn", folder, allow_random=True)
    data = extract(videos, backbone, finder, folder / "cache")
    return {"videos": videos, "backbone": backbone, "finder": finder, "cache": folder / "cache",
            "data": data, "folder": folder}


def fit_gru(x, m, y, seed: int = 0):
    import keras

    from models.heads import build_head, head_config
    from models.training.train import TrainSettings, train_head

    keras.utils.set_random_seed(seed)
    model = build_head(head_config("densenet169_gru", frames=N, dim=x.shape[-1], normalize=True))
    settings = TrainSettings(epochs=30, batch_size=8, learning_rate=3e-3, patience=30, seed=seed, progress_bar=False)
    return model, train_head(model, (x, m, y), None, settings)


def test_faces_found_in_every_frame(learn_set):
    x, m, y, *_ = learn_set["data"]
    assert m.mean() > 0.9 and x.shape == (len(learn_set["videos"]), N, 64)
    assert np.abs(x[m]).sum(axis=1).min() > 0


def test_gru_head_learns_planted_manipulation(learn_set, tmp_path):
    from models.training.evaluate import evaluate_head, load_model, save_model

    x, m, y, person, pan_ = learn_set["data"]
    train, test = pan_ < PANS - 1, pan_ == PANS - 1
    model, history = fit_gru(x[train], m[train], y[train])
    metrics = evaluate_head(model, x[test], m[test], y[test])
    assert metrics["video"]["roc_auc"] >= 0.9, metrics
    assert history["loss"][-1] < history["loss"][0]
    paths = save_model(model, {"head_preset": "densenet169_gru", "metrics": metrics}, tmp_path, "learn")
    again, card = load_model(paths["model"])
    assert card["metrics"]["video"]["roc_auc"] == metrics["video"]["roc_auc"]
    np.testing.assert_allclose(again.predict([x[test], m[test]], verbose=0),
                               model.predict([x[test], m[test]], verbose=0), atol=1e-6)


def test_shuffled_labels_stay_near_chance(learn_set):
    from models.training.evaluate import evaluate_head

    x, m, y, person, pan_ = learn_set["data"]
    train, test = pan_ < PANS - 1, pan_ == PANS - 1
    aucs = []
    for seed in (1, 2):
        rng = np.random.default_rng(seed)
        shuffled = y[train].copy()
        for label in (0, 1):  # half of each true class relabelled: the labels say nothing of the truth
            idx = np.flatnonzero(y[train] == label)
            shuffled[rng.permutation(idx)[: len(idx) // 2]] = 1 - label
        model, _ = fit_gru(x[train], m[train], shuffled, seed)
        aucs.append(evaluate_head(model, x[test], m[test], y[test])["video"]["roc_auc"])
    assert np.mean(aucs) < 0.75, aucs


def test_features_come_from_cache_the_second_time(learn_set):
    finder = learn_set["finder"]
    before = finder.calls
    again = extract(learn_set["videos"][:4], learn_set["backbone"], finder, learn_set["cache"])
    assert finder.calls == before
    np.testing.assert_array_equal(again[0], learn_set["data"][0][:4])
    assert len(list(learn_set["cache"].glob("*.features.npy"))) == len(learn_set["videos"])


def test_train_detector_end_to_end(learn_set, tmp_path):
    """Folder dataset -> split -> features (from the cache) -> head -> metrics, plots, .keras + card."""
    from models.training.evaluate import load_model
    from models.training.train import TrainRun, TrainSettings, train_detector

    settings = TrainSettings(epochs=12, batch_size=8, learning_rate=3e-3, patience=12, progress_bar=False)
    stages = []
    run = TrainRun(learn_set["folder"], tmp_path, "densenet169_gru", models_dir=tmp_path, cache_dir=learn_set["cache"],
                   backbone="small_cnn", n_frames=N, face_finder="mtcnn", allow_random=True)
    out = train_detector(run, settings, on_progress=lambda st, f: stages.append(st))
    card = out["card"]
    assert card["dataset"]["layout"] == "folders" and sum(card["dataset"]["videos"].values()) == 42
    assert card["backbone"] == "small_cnn:random-seed0" and card["backbone_pretrained"] is False
    assert card["head"]["dim"] == 64 and card["head"]["frames"] == N and card["head"]["normalize"] is True
    for key in ("accuracy", "roc_auc", "log_loss", "eer", "average_precision", "confusion_matrix"):
        assert key in card["metrics"]["video"]
    for key in ("model", "card", "history_plot", "confusion_plot", "roc_plot"):
        assert Path(out["paths"][key]).stat().st_size > 0
    assert "training" in stages and "features (test)" in stages
    model, loaded = load_model(out["paths"]["model"])
    assert loaded["weights_sha256"] and loaded["labels"].startswith("output = P(fake)")


def test_metrics_on_known_scores(tmp_path):
    from models.training.evaluate import binary_metrics, plot_confusion, plot_history, plot_roc

    got = binary_metrics([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    assert got["roc_auc"] == pytest.approx(0.75) and got["accuracy"] == 0.5 and got["eer"] == pytest.approx(0.5)
    assert got["confusion_matrix"] == [[1, 1], [1, 1]]
    perfect = binary_metrics([0, 1, 0, 1], [0.2, 0.8, 0.3, 0.7])
    assert perfect["roc_auc"] == 1.0 and perfect["eer"] == 0.0 and perfect["average_precision"] == 1.0
    assert perfect["log_loss"] == pytest.approx(-np.mean(np.log([0.8, 0.8, 0.7, 0.7])))
    assert binary_metrics([1, 1], [0.7, 0.9])["roc_auc"] is None
    for path in (plot_confusion(got["confusion_matrix"], tmp_path / "c.png"),
                 plot_roc([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], tmp_path / "r.png"),
                 plot_history({"loss": [0.7, 0.5], "val_loss": [0.7, 0.6]}, tmp_path / "h.png")):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
