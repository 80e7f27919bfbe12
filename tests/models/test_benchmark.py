"""The lab benchmark's metrics agree with scikit-learn on the same scores; failures are counted, not hidden."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from models.benchmark import LabelledVideo, bootstrap_auc, folder_set, metrics, roc_png, run_benchmark
from models.errors import MediaError, ModelsError


def _videos(n=20):
    return [LabelledVideo(f"v{i}.mp4", i % 2) for i in range(n)]


def test_metrics_match_sklearn_and_interval_contains_auc():
    rng = np.random.default_rng(1)
    y = np.array([0, 1] * 30)
    p = np.clip(0.5 + (y - 0.5) * 0.4 + rng.normal(0, 0.25, len(y)), 0, 1)
    m = metrics(list(y), list(p))
    assert m["auc"] == pytest.approx(roc_auc_score(y, p))
    low, high = m["auc_ci95"]
    assert low <= m["auc"] <= high and high - low < 0.4
    assert m["accuracy"] == pytest.approx(np.mean((p >= 0.5) == y))


def test_random_scores_have_an_interval_around_chance():
    rng = np.random.default_rng(2)
    y, p = rng.integers(0, 2, 200), rng.random(200)
    low, high = bootstrap_auc(y, p)
    assert low < 0.5 < high


def test_run_benchmark_with_an_ensemble_and_a_failing_video():
    videos = _videos()

    def good(path):
        return 0.9 if int(str(path)[1:-4]) % 2 else 0.1

    def flaky(path):
        if str(path) == "v3.mp4":
            raise MediaError("v3.mp4 is truncated")
        return 0.6 if int(str(path)[1:-4]) % 2 else 0.45

    results = run_benchmark(videos, {"good": good, "flaky": flaky})
    by = {r.model: r for r in results}
    assert by["good"].metrics["auc"] == 1.0 and by["good"].metrics["accuracy"] == 1.0
    assert by["flaky"].metrics["scored"] == 19 and by["flaky"].errors[3] == "v3.mp4 is truncated"
    assert "ensemble(good + flaky)" in by and by["ensemble(good + flaky)"].scores[3] is None
    assert roc_png(videos, results)[:4] == b"\x89PNG"


def test_folder_set(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "fake" / "sub").mkdir(parents=True)
    (tmp_path / "real" / "a.mp4").write_bytes(b"x")
    (tmp_path / "fake" / "sub" / "b.MOV").write_bytes(b"x")
    (tmp_path / "fake" / "notes.txt").write_text("x")
    got = folder_set(tmp_path / "real", tmp_path / "fake")
    assert [(v.path.name, v.label) for v in got] == [("a.mp4", 0), ("b.MOV", 1)]
    with pytest.raises(ModelsError):
        folder_set(tmp_path / "nope", tmp_path / "fake")
    with pytest.raises(ModelsError):
        run_benchmark([], {"x": lambda p: 0.5})
