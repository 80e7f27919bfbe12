"""The worker's device, chosen once per process (models.device.choose) and kept with the loaded models."""

from __future__ import annotations

import logging

from models.device import Device, choose
from workers import model_cache

log = logging.getLogger(__name__)
KEY = ("device",)


def current() -> Device:
    """This process's device: probed on first use, then the same answer for every model and job."""
    return model_cache.get(KEY, choose)


def announce(worker_name: str = "") -> Device:
    """Choose the device and say it once in the worker's log."""
    device = current()
    log.info("worker %s on host %s runs on %s (torch %s, onnxruntime %s, tensorflow %s)", worker_name or "",
             device.host, device.describe(), device.torch, device.onnx_providers[0], device.tensorflow)
    return device


def _batched(objects) -> list:
    """The loaded models (and the detectors and backbones inside runners) that have a `batch` size."""
    out = []
    for obj in objects:
        for target in (obj, getattr(obj, "detector", None), getattr(obj, "backbone", None)):
            if target is not None and isinstance(getattr(target, "batch", None), int) and target not in out:
                out.append(target)
    return out


def _loaded() -> list:
    return [model_cache.get(key, lambda: None) for key in model_cache.loaded() if key != KEY]


def fit_batches(device: Device) -> None:
    """Batch sizes follow the device: each loaded model's CPU default, scaled once for a GPU's memory."""
    for target in _batched(_loaded()):
        if not getattr(target, "_batch_fitted", False):
            target.batch, target._batch_fitted = device.batch(target.batch), True


def halve_batches() -> list[str]:
    """Halve every loaded model's batch (after a GPU out-of-memory error); what changed, for the log."""
    changed = []
    for target in _batched(_loaded()):
        if target.batch > 1:
            changed.append(f"{type(target).__name__} {target.batch} -> {target.batch // 2}")
            target.batch, target._batch_fitted = target.batch // 2, True
    return changed
