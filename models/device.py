"""One device choice for every runtime a worker uses: torch, onnxruntime and TensorFlow/Keras.

`choose()` probes what is installed and visible (CUDA_VISIBLE_DEVICES pins a worker to one GPU): torch `cuda:0`
when torch sees a GPU, else `cpu`; onnxruntime's CUDAExecutionProvider when the GPU build is installed, else the
CPU provider; TensorFlow's `/GPU:0` when its CUDA build sees the GPU, else `/CPU:0`. Each runtime falls back on
its own, and the Device says which runtime got what. No runtime is imported at module import.
"""

from __future__ import annotations

import importlib.util
import os
import socket
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from models.errors import ModelsError

CPU = "cpu"


@dataclass(frozen=True)
class Device:
    """Where a worker's models run, per runtime, and how to say it to a person."""

    torch: str = CPU  # "cuda:0" or "cpu"
    onnx_providers: tuple[str, ...] = ("CPUExecutionProvider",)
    tensorflow: str = "/CPU:0"
    gpu_name: str = ""  # "NVIDIA H200" when a GPU is used
    gpu_memory_gb: float = 0.0
    gpu_index: str = ""  # the physical GPU (CUDA_VISIBLE_DEVICES of the worker), "" when not pinned
    host: str = field(default_factory=socket.gethostname)

    @property
    def is_gpu(self) -> bool:
        return self.torch.startswith("cuda") or "CUDAExecutionProvider" in self.onnx_providers \
            or "GPU" in self.tensorflow

    @property
    def tf_short(self) -> str:
        """mtcnn's spelling of the TensorFlow device ("GPU:0", "CPU:0")."""
        return self.tensorflow.lstrip("/")

    @property
    def onnx_ctx_id(self) -> int:
        """insightface's prepare(ctx_id): 0 for the (only visible) GPU, -1 for the CPU."""
        return 0 if "CUDAExecutionProvider" in self.onnx_providers else -1

    def describe(self) -> str:
        """One line for logs, the job page and reports: "GPU 0, NVIDIA H200 (139 GB)" or "CPU"."""
        if not self.is_gpu:
            return "CPU"
        where = f"GPU {self.gpu_index or 0}, {self.gpu_name or 'CUDA device'}"
        if self.gpu_memory_gb:
            where += f" ({self.gpu_memory_gb:.0f} GB)"
        cpu_bound = [rt for rt, on in (("torch", self.torch), ("onnxruntime", self.onnx_providers[0]),
                                       ("tensorflow", self.tensorflow)) if "cuda" not in on.lower()
                     and "gpu" not in on.lower()]
        return where + (f"; {', '.join(cpu_bound)} on CPU" if cpu_bound else "")

    def record(self) -> dict[str, Any]:
        """What a job row keeps: a sentence and the per-runtime choice."""
        data = asdict(self)
        data["onnx_providers"] = list(self.onnx_providers)
        return {"summary": f"host {self.host}, {self.describe()}", **data}

    def batch(self, base: int) -> int:
        """A batch size that follows the device: the CPU default, larger on a GPU with room for it."""
        if not self.torch.startswith("cuda"):
            return base
        return base * (8 if self.gpu_memory_gb >= 40 else 4 if self.gpu_memory_gb >= 16 else 2)


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def torch_gpu() -> Optional[tuple[str, float]]:
    """(name, memory in GB) of torch's first visible CUDA device, or None (no torch, no CUDA build, no GPU)."""
    if not _installed("torch"):
        return None
    import torch

    if not torch.cuda.is_available():
        return None
    props = torch.cuda.get_device_properties(0)
    return props.name, props.total_memory / 1e9


def onnx_cuda() -> bool:
    """True when onnxruntime's GPU build is installed and offers the CUDA provider."""
    if not _installed("onnxruntime"):
        return False
    import onnxruntime

    return "CUDAExecutionProvider" in onnxruntime.get_available_providers()


def tensorflow_gpus() -> int:
    """How many GPUs TensorFlow sees (its CUDA build only); memory growth is turned on so it shares the GPU."""
    if not _installed("tensorflow"):
        return 0
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # already initialised: growth can no longer change, the GPU is still usable
            pass
    return len(gpus)


def choose(prefer_cpu: bool = False) -> Device:
    """The device of this process: the first visible GPU for every runtime that can use it, else the CPU.

    TensorFlow is probed only when torch or onnxruntime found a GPU (importing it costs seconds on a CPU host)."""
    pinned = os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",")[0].strip()
    if prefer_cpu or pinned == "-1":
        return Device()
    gpu = torch_gpu()
    ort = onnx_cuda()
    tf_gpu = tensorflow_gpus() > 0 if (gpu or ort) else False
    if not (gpu or ort or tf_gpu):
        return Device()
    name, memory = gpu or ("", 0.0)
    return Device(torch="cuda:0" if gpu else CPU,
                  onnx_providers=("CUDAExecutionProvider", "CPUExecutionProvider") if ort
                  else ("CPUExecutionProvider",),
                  tensorflow="/GPU:0" if tf_gpu else "/CPU:0",
                  gpu_name=name, gpu_memory_gb=round(memory, 1), gpu_index=pinned)


def gpu_count() -> int:
    """Physical GPUs on this host (nvidia-smi's view through torch; 0 without a CUDA build or a GPU)."""
    if not _installed("torch"):
        return 0
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def is_out_of_memory(exc: BaseException) -> bool:
    """True for a GPU out-of-memory error of any runtime (torch, TensorFlow, onnxruntime)."""
    name = type(exc).__name__
    text = str(exc).lower()
    return name in ("OutOfMemoryError", "ResourceExhaustedError") or "out of memory" in text \
        or ("cuda" in text and "failed to allocate" in text)


def free_gpu_memory() -> None:
    """Give cached GPU memory back after an out-of-memory error (torch's allocator keeps it otherwise)."""
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


class GpuOutOfMemory(ModelsError):
    """The GPU ran out of memory even on a smaller batch; the message says so to a person."""


def visible_gpus() -> list[str]:
    """The GPUs this host offers workers, without importing a runtime: CUDA_VISIBLE_DEVICES when set, else
    nvidia-smi's list; [] on a CPU-only host."""
    import subprocess

    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [g.strip() for g in visible.split(",") if g.strip() and g.strip() != "-1"]
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=index", "--format=csv,noheader"], capture_output=True,
                             text=True, timeout=20, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.splitlines() if line.strip()]
