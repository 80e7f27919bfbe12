"""Train the GRU of sbi_gru on the SBI run's own folds: each fold's CNN embeds, a GRU learns the sequence.

It reuses what the SBI run saved (the clean crops' trunk output, each fold's trained network, the final one), so
its cross-validated scores come from the same held-out groups as the SBI model's and cost seconds, not hours.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from models.detectors.sbi_sequence import build_gru, embed, save
from models.training.datasets import Sample
from models.training.sbi_recipe import Pool

STEPS = 8  # crops per sequence (shorter videos repeat their last crop)


def _net_from(checkpoint: Path):
    import torch

    from models.detectors import sbi

    net = sbi.build_net(imagenet=False)
    net.load_state_dict(torch.load(str(checkpoint), map_location="cpu", weights_only=False)["net"])
    return net.eval()


def sequences(net, clean: Pool) -> dict[int, np.ndarray]:
    """Video index -> (STEPS, 256) embeddings of its crops in time order."""
    import torch

    with torch.inference_mode():
        feats = embed(net, torch.from_numpy(clean.features.astype(np.float32))).numpy()
    out = {}
    for v in np.unique(clean.video):
        rows = feats[clean.video == v][:STEPS]
        out[int(v)] = np.concatenate([rows, np.repeat(rows[-1:], STEPS - len(rows), 0)])
    return out


def train_gru(seqs: dict[int, np.ndarray], labels: dict[int, int], epochs: int = 40, seed: int = 0):
    import torch

    torch.manual_seed(seed)
    gru = build_gru()
    opt = torch.optim.Adam(gru.parameters(), lr=1e-3, weight_decay=1e-4)
    ids = sorted(seqs)
    x = torch.from_numpy(np.stack([seqs[i] for i in ids]))
    y = torch.tensor([float(labels[i]) for i in ids])
    pos = float(y.mean())
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor((1 - pos) / max(pos, 1e-6)))
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        gru.train()
        for b in np.array_split(rng.permutation(len(ids)), max(1, len(ids) // 16)):
            loss = loss_fn(gru(x[b]), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return gru.eval()


def _scores(gru, seqs: dict[int, np.ndarray]) -> dict[int, float]:
    import torch

    ids = sorted(seqs)
    with torch.inference_mode():
        p = torch.sigmoid(gru(torch.from_numpy(np.stack([seqs[i] for i in ids])))).numpy()
    return {i: float(v) for i, v in zip(ids, p)}


def run(run_dir: Path, samples: Sequence[Sample], folds: int) -> dict[int, float]:
    """Cross-validated GRU scores (written into scores.json as "gru") and the final sbi_gru.pt."""
    with np.load(run_dir / "clean.npz") as data:
        clean = Pool(data["features"], data["labels"], data["video"])
    labels = {i: s.label for i, s in enumerate(samples)}
    out: dict[int, float] = {}
    for k in range(folds):
        held_groups = set(json.loads((run_dir / f"fold{k}.json").read_text())["groups"])
        seqs = sequences(_net_from(run_dir / f"fold{k}.ckpt"), clean)
        held = {i for i in seqs if (samples[i].group or str(samples[i].path)) in held_groups}
        gru = train_gru({i: s for i, s in seqs.items() if i not in held}, labels)
        out.update(_scores(gru, {i: seqs[i] for i in held}))
    final = _net_from(run_dir / "final.ckpt")
    save(run_dir / "sbi_gru.pt", final, train_gru(sequences(final, clean), labels))
    scores = json.loads((run_dir / "scores.json").read_text())
    scores["gru"] = {samples[i].path.name: v for i, v in out.items()}
    (run_dir / "scores.json").write_text(json.dumps(scores))
    return out
