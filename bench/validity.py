"""The detectors' validity table on public videos nobody here made: AUC [95% interval], log loss, ECE, false positives.

Rows:
- the lab's SBI detector: out-of-fold scores of its grouped cross-validation (every video scored by a model that
  never saw its group) and the cross-kind test (trained on FaceForensics++ groups, scored on all others), read from
  the training run's scores.json;
- each MesoNet: upstream weights never trained on this set, so every video counts; scored on the same face crops
  (the face bank of the training run: 8 crops per video, margin 0.3, 256 px).
Run: .venv/bin/python bench/validity.py DATASET RUN_DIR [--models-dir ../shared/weights] [--facebank DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def meso_scores(samples, bank, models_dir: Path, names) -> dict[str, dict[int, float]]:
    from models.detectors import load_detector

    out: dict[str, dict[int, float]] = {}
    for name in names:
        det = load_detector(name, models_dir)
        got = {}
        for i, s in enumerate(samples):
            faces = bank.faces(s.path)
            if len(faces):
                got[i] = float(np.mean(det.score(faces.crops[:: max(1, len(faces) // 8)])))
        out[name] = got
    return out


def rows_for(name: str, samples, scores: dict[int, float], parts) -> list[dict]:
    from models.training.sbi_experiment import measure, part_of

    rows = []
    for part in parts:
        idx = [i for i in sorted(scores) if part == "all" or part_of(samples[i]) == part]
        if idx:
            m = measure([samples[i].label for i in idx], [scores[i] for i in idx])
            rows.append({"model": name, "part": part, **m})
    return rows


def fmt(row: dict) -> str:
    ci = row.get("auc_ci95") or [float("nan")] * 2
    fpr = row.get("false_positive_rate")
    return (f"{row['model']:<34} {row['part']:<13} {row['real_videos']:>4} {row['fake_videos']:>4}  "
            f"{row.get('auc', float('nan')):.3f} [{ci[0]:.2f}, {ci[1]:.2f}]  {row.get('log_loss', float('nan')):6.3f}"
            f"  {row['ece']:.3f}  {'' if fpr is None else f'{fpr:.2f}':>5}")


def main() -> None:
    from models.faces import get_face_finder
    from models.training.datasets import load_dataset
    from models.training.facebank import FaceBank

    ap = argparse.ArgumentParser()
    ap.add_argument("dataset", type=Path)
    ap.add_argument("run", type=Path, help="output folder of flask detector train --recipe sbi")
    ap.add_argument("--models-dir", type=Path, default=ROOT.parent / "shared" / "weights")
    ap.add_argument("--facebank", type=Path, default=Path("/tmp/facebank"))
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    samples = load_dataset(args.dataset)
    by_name = {s.path.name: i for i, s in enumerate(samples)}
    run = json.loads((args.run / "scores.json").read_text())
    card = json.loads((args.run / "weights.json").read_text())
    from models.calibration import Calibration

    cal = Calibration.from_dict(card["calibration"])
    cv = {by_name[k]: float(cal.apply([v])[0]) for k, v in run["cv"].items()}
    kind = {by_name[k]: float(cal.apply([v])[0]) for k, v in run["cross_kind"].items()}
    rows = rows_for("sbi_mobilenet_v2 (grouped CV)", samples, cv, ("all", "ffpp", "talking_head", "other"))
    rows += rows_for("sbi_mobilenet_v2 (FF++ -> others)", samples, kind, ("all", "talking_head", "other"))
    extra = args.run / "consistency_scores.json"
    if extra.is_file():
        got = json.loads(extra.read_text())
        card_file = args.run / "blend_consistency.json"
        card_file = card_file if card_file.is_file() else ROOT / "models/builtin/consistency/blend_consistency.json"
        ccal = Calibration.from_dict(json.loads(card_file.read_text())["calibration"])
        rows += rows_for("blend_consistency (grouped CV)", samples,
                         {by_name[k]: float(ccal.apply([v])[0]) for k, v in got["cv"].items()},
                         ("all", "ffpp", "talking_head", "other"))
        rows += rows_for("blend_consistency (FF++ -> others)", samples,
                         {by_name[k]: float(ccal.apply([v])[0]) for k, v in got["cross_kind"].items()},
                         ("all", "talking_head", "other"))
    if "gru" in run:
        gru = {by_name[k]: v for k, v in run["gru"].items()}
        rows += rows_for("sbi_gru (grouped CV)", samples, gru, ("all", "ffpp", "talking_head", "other"))
    bank = FaceBank(args.facebank, get_face_finder("yunet", args.models_dir))
    meso = meso_scores(samples, bank, args.models_dir,
                       ("meso4_df", "meso4_f2f", "mesoinception4_df", "mesoinception4_f2f"))
    for name, scores in meso.items():
        rows += rows_for(f"{name} (upstream, all videos)", samples, scores, ("all", "ffpp", "talking_head", "other"))
    print(f"{'model':<34} {'part':<13} real fake  AUC   [95% CI]     logloss  ECE   FPR@0.5")
    for row in rows:
        print(fmt(row))
    base = next(r for r in rows if r["model"].startswith("meso4_df") and r["part"] == "all")["auc"]
    for name in ("sbi_mobilenet_v2 (grouped CV)", "blend_consistency (grouped CV)"):
        ours = next((r["auc"] for r in rows if r["model"] == name and r["part"] == "all"), None)
        if ours:
            print(f"ratio: {name} AUC / meso4_df AUC = {ours / base:.2f} (same videos, same face crops)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=float))


if __name__ == "__main__":
    main()
