"""A GPU out-of-memory error in a job: one retry on half of every loaded model's batch, else a sentence."""

from __future__ import annotations

import types

import pytest

from workers import model_cache


def test_out_of_memory_retries_once_on_half_the_batch(monkeypatch):
    import torch

    from workers.tasks import run_with_memory_retry

    detector = types.SimpleNamespace(batch=32)
    model_cache.get(("runner", "fake"), lambda: types.SimpleNamespace(detector=detector))
    seen, calls = [], []

    class Ctx:
        job_id = 7

        def discard_outputs(self):
            calls.append("discard")

        def progress(self, stage, fraction):
            calls.append(stage)

    def runner(ctx):
        seen.append(detector.batch)
        if len(seen) == 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 4.00 GiB")

    run_with_memory_retry(Ctx(), runner)
    assert seen == [32, 16] and calls[0] == "discard" and "smaller batch" in calls[1]


def test_out_of_memory_twice_fails_with_a_sentence():
    import torch

    from models.device import GpuOutOfMemory
    from workers.tasks import run_with_memory_retry

    model_cache.get(("runner", "fake"), lambda: types.SimpleNamespace(detector=types.SimpleNamespace(batch=8)))
    ctx = types.SimpleNamespace(job_id=8, discard_outputs=lambda: None, progress=lambda *a: None)

    def runner(ctx):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory")

    with pytest.raises(GpuOutOfMemory, match="ran out of memory .* even with half the batch size"):
        run_with_memory_retry(ctx, runner)


