"""The SBI recipe: self-blended fakes from real faces (plus the dataset's own fakes), a fine-tuned MobileNetV2.

Steps, each cached so that a 2-core machine finishes in a session and an interrupted run resumes:
1. the face bank (models.training.facebank): 16 face crops + landmarks per video, extracted once;
2. a pool of training views: each real crop gives augmented real views and self-blended fakes, each dataset fake
   gives augmented views; reals and fakes share every augmentation (compression, resampling, blur);
3. the frozen ImageNet trunk's output for every view, computed once (float16 on disk);
4. the trained top (later MobileNetV2 blocks + a one-logit head), per fold of a grouped cross-validation and once
   on everything for the shipped weights; checkpoints after every epoch.
A video's score is the mean P(fake) of its face crops.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from models.detectors import sbi
from models.training.datasets import FAKE, REAL, Sample
from models.training.sbi import degrade, self_blend


@dataclass
class RecipeSettings:
    """Every hyper-parameter of a run; saved beside the weights."""

    frames: int = 16
    crops_per_video: int = 8  # every other crop of the bank's 16: cost, not accuracy, sets this
    views_real: int = 2
    views_sbi: int = 2
    views_fake: int = 2  # 0 trains on self-blended fakes only
    epochs: int = 5
    batch: int = 64
    lr: float = 3e-4
    weight_decay: float = 1e-4
    seed: int = 0


@dataclass
class Pool:
    """Training views: trunk features (M, 96, 12, 12) float16, labels (M,), the video each came from (M,)."""

    features: np.ndarray
    labels: np.ndarray
    video: np.ndarray

    def subset(self, keep: np.ndarray) -> "Pool":
        return Pool(self.features[keep], self.labels[keep], self.video[keep])


def _views(faces, label: int, settings: RecipeSettings, rng: np.random.Generator):
    """(image NET_SIZE square, label) views of one video's crops (every other one of the bank's)."""
    import cv2

    def fit(img):
        return cv2.resize(img, (sbi.NET_SIZE, sbi.NET_SIZE), interpolation=cv2.INTER_AREA)

    step = max(1, len(faces) // max(settings.crops_per_video, 1))
    for crop, marks in zip(faces.crops[::step], faces.landmarks[::step]):
        if label == REAL:
            for _ in range(settings.views_real):
                yield fit(degrade(crop, rng)), REAL
            for _ in range(settings.views_sbi):
                yield fit(degrade(self_blend(crop, marks, rng)[0], rng)), FAKE
        else:
            for _ in range(settings.views_fake):
                yield fit(degrade(crop, rng)), FAKE


def trunk_features(net, images: Sequence[np.ndarray], batch: int = 64) -> np.ndarray:
    """The frozen trunk's output for uint8 NET_SIZE square images, float16."""
    import torch

    out = []
    with torch.inference_mode():
        for start in range(0, len(images), batch):
            out.append(sbi.trunk(net, sbi.to_input(np.stack(images[start:start + batch]))).half().numpy())
    return np.concatenate(out)


def build_pool(bank, samples: Sequence[Sample], net, settings: RecipeSettings, progress_bar: bool = True) -> Pool:
    """Augmented and self-blended views of every video's crops through the frozen trunk."""
    from tqdm import tqdm

    rng = np.random.default_rng(settings.seed)
    feats, labels, videos = [], [], []
    for i, sample in enumerate(tqdm(samples, desc="training views", unit="video", disable=not progress_bar)):
        views = list(_views(bank.faces(sample.path), sample.label, settings, rng))
        if not views:
            continue
        feats.append(trunk_features(net, [v for v, _ in views]))
        labels += [y for _, y in views]
        videos += [i] * len(views)
    return Pool(np.concatenate(feats), np.asarray(labels, np.float32), np.asarray(videos))


def clean_pool(bank, samples: Sequence[Sample], net, crops_per_video: int = 8) -> Pool:
    """The unaugmented crops of every video through the trunk, for scoring held-out videos."""
    import cv2

    feats, labels, videos = [], [], []
    for i, sample in enumerate(samples):
        faces = bank.faces(sample.path)
        if not len(faces):
            continue
        step = max(1, len(faces) // max(crops_per_video, 1))
        imgs = [cv2.resize(c, (sbi.NET_SIZE, sbi.NET_SIZE), interpolation=cv2.INTER_AREA) for c in faces.crops[::step]]
        feats.append(trunk_features(net, imgs))
        labels += [sample.label] * len(imgs)
        videos += [i] * len(imgs)
    return Pool(np.concatenate(feats), np.asarray(labels, np.float32), np.asarray(videos))


def train_top(net, pool: Pool, settings: RecipeSettings, *, checkpoint: Optional[Path] = None,
              on_epoch: Optional[Callable[[int, float], None]] = None, progress_bar: bool = True):
    """Train the top of `net` in place on the pool's cached trunk features; resumes from `checkpoint`."""
    import torch
    from tqdm import tqdm

    torch.manual_seed(settings.seed)
    params = list(sbi.trained_parameters(net))
    opt = torch.optim.AdamW(params, lr=settings.lr, weight_decay=settings.weight_decay)
    steps = settings.epochs * int(np.ceil(len(pool.labels) / settings.batch))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, settings.lr, total_steps=steps, pct_start=0.15)
    start = _resume(net, opt, sched, checkpoint)
    pos = float(pool.labels.mean())
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor((1 - pos) / max(pos, 1e-6)))
    rng = np.random.default_rng(settings.seed)
    for epoch in range(settings.epochs):
        order = rng.permutation(len(pool.labels))
        if epoch < start:
            continue
        net.head.train()
        total = 0.0
        batches = range(0, len(order), settings.batch)
        for b in tqdm(batches, desc=f"epoch {epoch + 1}/{settings.epochs}", unit="batch", disable=not progress_bar,
                      leave=False):
            idx = order[b:b + settings.batch]
            h = torch.from_numpy(pool.features[idx].astype(np.float32))
            loss = loss_fn(sbi.top(net, h), torch.from_numpy(pool.labels[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        net.head.eval()
        _save_checkpoint(net, opt, sched, epoch + 1, checkpoint)
        if on_epoch:
            on_epoch(epoch + 1, total / len(order))
    return net


def _resume(net, opt, sched, checkpoint: Optional[Path]) -> int:
    import torch

    if checkpoint is None or not Path(checkpoint).is_file():
        return 0
    state = torch.load(str(checkpoint), map_location="cpu", weights_only=False)
    net.load_state_dict(state["net"])
    opt.load_state_dict(state["opt"])
    sched.load_state_dict(state["sched"])
    return int(state["epoch"])


def _save_checkpoint(net, opt, sched, epoch: int, checkpoint: Optional[Path]) -> None:
    import torch

    if checkpoint is None:
        return
    tmp = Path(checkpoint).with_suffix(".tmp")
    torch.save({"net": net.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(), "epoch": epoch}, tmp)
    tmp.replace(checkpoint)


def frame_logits(net, pool: Pool, batch: int = 256) -> np.ndarray:
    import torch

    out = []
    with torch.inference_mode():
        for start in range(0, len(pool.labels), batch):
            out.append(sbi.top(net, torch.from_numpy(pool.features[start:start + batch].astype(np.float32))).numpy())
    return np.concatenate(out)


def video_scores(net, pool: Pool) -> dict[int, float]:
    """Video index -> mean P(fake) of its crops."""
    p = 1.0 / (1.0 + np.exp(-frame_logits(net, pool)))
    return {int(v): float(p[pool.video == v].mean()) for v in np.unique(pool.video)}


def fresh_net(base):
    """A copy of the ImageNet-initialised network, so every fold starts from the same weights."""
    return copy.deepcopy(base)


def settings_dict(settings: RecipeSettings) -> dict:
    return asdict(settings)
