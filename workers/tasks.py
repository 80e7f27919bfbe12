"""run_job(job_id): the one function ever enqueued (by dotted name, with an id only)."""

from __future__ import annotations

import logging
from typing import Callable

from flask import Flask, current_app, has_app_context
from rq import get_current_job
from rq.timeouts import JobTimeoutException

from models.errors import Canceled, ModelsError
from portal.storage import StorageError
from workers.context import JobContext

log = logging.getLogger(__name__)
_app: Flask | None = None


def _runners() -> dict[str, Callable[[JobContext], None]]:
    from workers import benchmark, detection, generation, model_check

    return {"detection": detection.run, "generation": generation.run, "benchmark": benchmark.run,
            "model_check": model_check.run}


def _the_app() -> Flask:
    """The app of this process: the CLI's when `flask worker` runs us, else one made once."""
    global _app
    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        from portal import create_app

        _app = create_app()
    return _app


def _oom_sentence(ctx: JobContext) -> str:
    from workers.device import current

    return (f"The GPU ran out of memory ({current().describe()}) even with half the batch size; an administrator "
            f"can run it on a larger GPU or a CPU worker.")


def run_with_memory_retry(ctx: JobContext, runner: Callable[[JobContext], None]) -> None:
    """Run the job; after a GPU out-of-memory error run it once more on half the batch, else fail with a sentence."""
    from models.device import GpuOutOfMemory, free_gpu_memory, is_out_of_memory
    from workers.device import current, fit_batches, halve_batches

    fit_batches(current())
    try:
        runner(ctx)
        return
    except Exception as exc:
        if not is_out_of_memory(exc):
            raise
        free_gpu_memory()
        shrunk = halve_batches()
        log.warning("job %s: GPU out of memory (%s); batches halved: %s", ctx.job_id, exc, shrunk or "none")
        if not shrunk:
            raise GpuOutOfMemory(_oom_sentence(ctx)) from exc
    ctx.discard_outputs()
    ctx.progress("retrying on a smaller batch (the GPU ran out of memory)", 0.0)
    try:
        runner(ctx)
    except Exception as exc:
        if is_out_of_memory(exc):
            free_gpu_memory()
            raise GpuOutOfMemory(_oom_sentence(ctx)) from exc
        raise


def run_job(job_id: int) -> str:
    """Run a portal job; every ending is written to its row."""
    with _the_app().app_context():
        rq_job = get_current_job()
        ctx = JobContext.start(job_id, worker_name=getattr(rq_job, "worker_name", "") or "")
        if ctx is None:
            return "skipped"
        log.info("job %s: %s started", job_id, ctx.kind)
        try:
            run_with_memory_retry(ctx, _runners()[ctx.kind])
        except Canceled:
            ctx.fail("Canceled while running.", status="canceled")
        except (ModelsError, StorageError) as exc:
            ctx.fail(str(exc))
        except JobTimeoutException:
            limit = getattr(rq_job, "timeout", None) or ctx.config["JOB_TIMEOUT"]
            ctx.fail(f"The job took longer than its time limit ({limit} s) and was stopped.")
        except Exception as exc:
            log.exception("job %s crashed", job_id)
            detail = f"{type(exc).__name__}: {exc}"[:300]
            ctx.fail(f"Internal error in the worker ({detail}); the administrators can see the full log.")
        log.info("job %s: finished", job_id)
        return "done"
