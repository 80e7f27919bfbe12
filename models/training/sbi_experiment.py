"""A full SBI training run: grouped cross-validation, a cross-kind test, the final model, calibration, a card.

Every figure the card states comes from videos whose group (person / source footage) the scoring model never saw:
- `cv`: k grouped folds over the whole dataset; each video is scored by the fold model that did not train on it;
- `cross_kind`: trained on the FaceForensics++ groups only, scored on every other group;
- the final model trains on everything; its Platt calibration is fitted on the cross-validated scores.
Fold results are written as they finish, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from models.training.datasets import Sample, group_folds
from models.training.sbi_recipe import Pool, RecipeSettings, fresh_net, settings_dict, train_top, video_scores

FFPP_PREFIX = "ffpp"
TALKING_HEAD_GROUPS = ("liveportrait", "sadtalker", "videoretalking", "geneface")
INCONCLUSIVE_ERROR = 0.3  # calibrated P(fake) within [0.3, 0.7]: the model is wrong at least 30% of the time there


def part_of(sample: Sample) -> str:
    """Which part of the public-dev set a video belongs to: ffpp, talking_head or other."""
    if sample.group.startswith(FFPP_PREFIX):
        return "ffpp"
    if sample.group in TALKING_HEAD_GROUPS:
        return "talking_head"
    return "other"


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Mean |accuracy - confidence| over equal-width probability bins, weighted by bin size."""
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (p >= lo) & ((p < hi) if hi < 1 else (p <= hi))
        if inside.any():
            total += inside.sum() * abs(y[inside].mean() - p[inside].mean())
    return float(total / max(len(y), 1))


def measure(y: Sequence[int], p: Sequence[float]) -> dict:
    """AUC with its bootstrap 95% interval, log loss, ECE, accuracy and false-positive rate at 0.5."""
    from models.benchmark import metrics

    y_arr, p_arr = np.asarray(y, int), np.asarray(p, float)
    out = metrics(list(y_arr), list(p_arr))
    out["ece"] = expected_calibration_error(y_arr, p_arr)
    reals = y_arr == 0
    out["real_videos"], out["fake_videos"] = int(reals.sum()), int((~reals).sum())
    out["false_positive_rate"] = float((p_arr[reals] >= 0.5).mean()) if reals.any() else None
    decided = (p_arr <= INCONCLUSIVE_ERROR) | (p_arr >= 1 - INCONCLUSIVE_ERROR)
    out["inconclusive_share"] = float(1 - decided.mean())
    out["accuracy_when_decided"] = float(((p_arr[decided] >= 0.5) == y_arr[decided]).mean()) if decided.any() else None
    return out


def _train_and_score(base, pool: Pool, clean: Pool, train_idx: set[int], score_idx: set[int],
                     settings: RecipeSettings, checkpoint: Path) -> dict[int, float]:
    net = fresh_net(base)
    train_top(net, pool.subset(np.isin(pool.video, list(train_idx))), settings, checkpoint=checkpoint)
    return video_scores(net, clean.subset(np.isin(clean.video, list(score_idx))))


def _done(path: Path) -> Optional[dict]:
    return json.loads(path.read_text()) if path.is_file() else None


def cross_validate(base, pool, clean, samples, settings, out: Path, k: int = 4,
                   on_step: Callable[[str], None] = print) -> dict[int, float]:
    """Out-of-fold video scores from k grouped folds (each fold's scores saved as it finishes)."""
    folds = group_folds(samples, k, seed=settings.seed)
    scores: dict[int, float] = {}
    for i, groups in enumerate(folds):
        file = out / f"fold{i}.json"
        held = {j for j, s in enumerate(samples) if (s.group or str(s.path)) in groups}
        if (done := _done(file)) is None:
            on_step(f"fold {i + 1}/{k}: training on {len(samples) - len(held)} videos, scoring {len(held)}")
            got = _train_and_score(base, pool, clean, set(range(len(samples))) - held, held, settings,
                                   out / f"fold{i}.ckpt")
            done = {"groups": groups, "scores": {str(j): v for j, v in got.items()}}
            file.write_text(json.dumps(done))
        scores.update({int(j): v for j, v in done["scores"].items()})
    return scores


def cross_kind(base, pool, clean, samples, settings, out: Path, on_step=print) -> dict[int, float]:
    """Trained on the FaceForensics++ groups only, scored on every other group."""
    file = out / "cross_kind.json"
    if (done := _done(file)) is None:
        train = {j for j, s in enumerate(samples) if part_of(s) == "ffpp"}
        on_step(f"cross-kind: training on {len(train)} FaceForensics++ videos")
        got = _train_and_score(base, pool, clean, train, set(range(len(samples))) - train, settings,
                               out / "cross_kind.ckpt")
        done = {"scores": {str(j): v for j, v in got.items()}}
        file.write_text(json.dumps(done))
    return {int(j): v for j, v in done["scores"].items()}


def report(samples: Sequence[Sample], scores: dict[int, float], calibrate: Callable) -> dict:
    """Metrics of calibrated scores: overall, per part, and the false positives of each group's real clips."""
    idx = sorted(scores)
    y = [samples[i].label for i in idx]
    p = list(calibrate(np.array([scores[i] for i in idx])))
    out = {"all": measure(y, p)}
    for part in ("ffpp", "talking_head", "other"):
        keep = [n for n, i in enumerate(idx) if part_of(samples[i]) == part]
        if keep:
            out[part] = measure([y[n] for n in keep], [p[n] for n in keep])
    groups: dict[str, list[float]] = {}
    for n, i in enumerate(idx):
        if samples[i].label == 0:
            groups.setdefault(samples[i].group, []).append(p[n])
    out["real_false_positives_by_group"] = {g: {"reals": len(v), "called_fake": int(sum(x >= 0.5 for x in v))}
                                            for g, v in sorted(groups.items())}
    return out


def recard(out: Path, samples: Sequence[Sample], settings: RecipeSettings, folds: int) -> dict:
    """Rebuild weights.json from a finished run's saved scores (after a change to how metrics are reported)."""
    from models.calibration import fit_calibration
    from models.weights import sha256_file

    by_name = {s.path.name: i for i, s in enumerate(samples)}
    saved = json.loads((out / "scores.json").read_text())
    cv = {by_name[k]: v for k, v in saved["cv"].items()}
    kind = {by_name[k]: v for k, v in saved["cross_kind"].items()}
    idx = sorted(cv)
    calibration = fit_calibration([cv[i] for i in idx], [samples[i].label for i in idx], "platt")
    split = {"folds": [sorted(g) for g in group_folds(samples, folds, seed=settings.seed)],
             "videos": [{"path": s.path.name, "label": s.label, "group": s.group} for s in samples]}
    old = json.loads((out / "weights.json").read_text())
    result = card(settings, samples, cv, kind, calibration, split)
    result.update(weights_sha256=sha256_file(out / "weights.pt"), face_finder=old.get("face_finder", ""))
    (out / "weights.json").write_text(json.dumps(result, indent=2))
    return result


def card(settings: RecipeSettings, samples, cv_scores, kind_scores, calibration, split) -> dict:
    """Everything a user needs to judge the model: data, split, settings, measured metrics, calibration, band."""
    apply = calibration.apply
    return {
        "architecture": "MobileNetV2 ImageNet features (torchvision layout, blocks 0-13, frozen) at 192x192 "
                        "with a trained convolutional head (1x1, depthwise 3x3, 1x1, pool, one logit); "
                        "video score = mean P(fake) over the sampled face crops",
        "recipe": "sbi",
        "training_data": "public-dev: real clips (each with self-blended fakes) and the set's own fakes "
                         f"({sum(s.label == 0 for s in samples)} real, {sum(s.label == 1 for s in samples)} fake "
                         "videos); research use inside the lab (FaceForensics++ Terms of Use and the tools' "
                         "licences apply)",
        "settings": settings_dict(settings),
        "split": split,
        "calibration": calibration.to_dict(),
        "inconclusive_band": [INCONCLUSIVE_ERROR, 1 - INCONCLUSIVE_ERROR],
        "metrics": {"cross_validated": report(samples, cv_scores, apply),
                    "cross_kind_ffpp_to_others": report(samples, kind_scores, apply)},
        "measured_on": "public-dev, groups held out of training (grouped cross-validation; and trained on "
                       "FaceForensics++ groups, tested on all other groups)",
    }


def _pools(bank, samples, base, settings, out: Path, on_step) -> tuple[Pool, Pool]:
    """The training views and clean crops through the frozen trunk, cached in `out`."""
    from models.training.sbi_recipe import build_pool, clean_pool

    pools = []
    for name, build in (("pool", lambda: build_pool(bank, samples, base, settings)),
                        ("clean", lambda: clean_pool(bank, samples, base, settings.crops_per_video))):
        file = out / f"{name}.npz"
        if file.is_file():
            with np.load(file) as data:
                pools.append(Pool(data["features"], data["labels"], data["video"]))
            continue
        on_step(f"computing the frozen trunk's output for the {name} views")
        got = build()
        np.savez(out / f"{name}.tmp.npz", features=got.features, labels=got.labels, video=got.video)
        (out / f"{name}.tmp.npz").replace(file)
        pools.append(got)
    return pools[0], pools[1]


def run(samples: Sequence[Sample], bank, out: Path, settings: RecipeSettings, *, folds: int = 4,
        on_step: Callable[[str], None] = print) -> dict:
    """Cross-validate, test across kinds, train the final model; writes weights.pt + weights.json into `out`."""
    import torch

    from models.calibration import fit_calibration
    from models.detectors import sbi
    from models.weights import sha256_file

    out.mkdir(parents=True, exist_ok=True)
    on_step(f"face bank: {len(samples)} videos")
    bank.fill([s.path for s in samples])
    torch.manual_seed(settings.seed)
    base = sbi.build_net()
    pool, clean = _pools(bank, samples, base, settings, out, on_step)
    cv = cross_validate(base, pool, clean, samples, settings, out, k=folds, on_step=on_step)
    kind = cross_kind(base, pool, clean, samples, settings, out, on_step=on_step)
    idx = sorted(cv)
    calibration = fit_calibration([cv[i] for i in idx], [samples[i].label for i in idx], "platt")
    on_step("final model: training on every video")
    net = train_top(fresh_net(base), pool, settings, checkpoint=out / "final.ckpt")
    weights = out / "weights.pt"
    torch.save(sbi.head_state(net), weights)  # the frozen trunk is the ImageNet package's: not stored again
    split = {"folds": [sorted(g) for g in group_folds(samples, folds, seed=settings.seed)],
             "videos": [{"path": s.path.name, "label": s.label, "group": s.group} for s in samples]}
    result = card(settings, samples, cv, kind, calibration, split)
    result["weights_sha256"] = sha256_file(weights)
    result["face_finder"] = bank.finder.name
    (out / "weights.json").write_text(json.dumps(result, indent=2))
    (out / "scores.json").write_text(json.dumps({"cv": {samples[i].path.name: cv[i] for i in cv},
                                                 "cross_kind": {samples[i].path.name: kind[i] for i in kind}}))
    return result
