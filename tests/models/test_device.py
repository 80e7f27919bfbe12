"""The device choice and its CPU fallback, on a CPU machine: each runtime's probe is replaced to play a GPU host."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from models import device as dev
from models.device import Device


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)


def _host(monkeypatch, torch_gpu=None, ort=False, tf=0):
    monkeypatch.setattr(dev, "torch_gpu", lambda: torch_gpu)
    monkeypatch.setattr(dev, "onnx_cuda", lambda: ort)
    monkeypatch.setattr(dev, "tensorflow_gpus", lambda: tf)


def test_this_machine_runs_everything_on_the_cpu():
    d = dev.choose()
    assert (d.torch, d.onnx_providers, d.tensorflow, d.describe()) == ("cpu", ("CPUExecutionProvider",), "/CPU:0",
                                                                      "CPU")
    assert d.record()["summary"].endswith(", CPU") and d.batch(32) == 32


def test_torch_reports_no_cuda_so_torch_stays_on_cpu(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert dev.torch_gpu() is None and dev.gpu_count() == 0


def test_torch_cuda_seen_through_torch_itself(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_properties",
                        lambda i: types.SimpleNamespace(name="NVIDIA H200", total_memory=139.8e9))
    assert dev.torch_gpu() == ("NVIDIA H200", 139.8)


def test_a_full_gpu_host_puts_every_runtime_on_the_gpu(monkeypatch):
    _host(monkeypatch, ("NVIDIA H200", 139.8), ort=True, tf=1)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    d = dev.choose()
    assert d.torch == "cuda:0" and d.onnx_providers[0] == "CUDAExecutionProvider" and d.tensorflow == "/GPU:0"
    assert d.describe() == "GPU 3, NVIDIA H200 (140 GB)" and d.tf_short == "GPU:0" and d.onnx_ctx_id == 0
    assert d.batch(32) == 256 and d.is_gpu


def test_each_runtime_falls_back_on_its_own(monkeypatch):
    """A CUDA torch beside the CPU builds of onnxruntime and TensorFlow: only torch uses the GPU, and it is said."""
    _host(monkeypatch, ("NVIDIA T4", 15.8), ort=False, tf=0)
    d = dev.choose()
    assert d.torch == "cuda:0" and d.onnx_providers == ("CPUExecutionProvider",) and d.tensorflow == "/CPU:0"
    assert d.describe() == "GPU 0, NVIDIA T4 (16 GB); onnxruntime, tensorflow on CPU" and d.batch(32) == 64


def test_tensorflow_is_not_imported_on_a_cpu_host(monkeypatch):
    _host(monkeypatch, None, ort=False)
    monkeypatch.setattr(dev, "tensorflow_gpus", lambda: pytest.fail("TensorFlow probed on a CPU-only host"))
    assert not dev.choose().is_gpu


def test_cpu_pinned_worker_never_probes(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    monkeypatch.setattr(dev, "torch_gpu", lambda: pytest.fail("probed"))
    assert dev.choose() == Device(host=dev.choose().host)


def test_visible_gpus(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    assert dev.visible_gpus() == ["0", "1"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert dev.visible_gpus() == []
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert dev.visible_gpus() == []  # no nvidia-smi: a CPU host


def test_serve_auto_starts_one_worker_per_gpu_or_one(monkeypatch):
    from portal.cli.serve import worker_plan

    monkeypatch.setattr(dev, "visible_gpus", lambda: [])
    assert worker_plan("auto") == [[]] and worker_plan("2") == [[], []]
    monkeypatch.setattr(dev, "visible_gpus", lambda: ["0", "1"])
    assert worker_plan("auto") == [["--gpu", "0"], ["--gpu", "1"]]


def test_out_of_memory_errors_of_each_runtime():
    import torch

    assert dev.is_out_of_memory(torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB"))
    assert dev.is_out_of_memory(RuntimeError("CUDA error: out of memory"))
    assert dev.is_out_of_memory(type("ResourceExhaustedError", (Exception,), {})("OOM when allocating"))
    assert dev.is_out_of_memory(RuntimeError("onnxruntime: CUDA failure 2: failed to allocate memory"))
    assert not dev.is_out_of_memory(ValueError("bad input"))


def test_face_finders_take_the_device():
    from models.faces import device_options

    gpu = Device(torch="cuda:0", onnx_providers=("CUDAExecutionProvider", "CPUExecutionProvider"),
                 tensorflow="/GPU:0")
    assert device_options("scrfd", gpu) == {"providers": ("CUDAExecutionProvider", "CPUExecutionProvider")}
    assert device_options("mtcnn", gpu) == {"device": "GPU:0"}
    assert device_options("yunet", gpu) == {} and device_options("scrfd", None) == {}


def test_torch_models_run_on_the_device_they_are_given(tmp_path):
    import torch

    from models.detectors import sbi, sbi_sequence
    from models.lrnet.network import build_stream
    from models.torchnets.mobilenet_v2 import MobileNetV2Features

    net = sbi.build_net(imagenet=False)
    torch.save(sbi.head_state(net), tmp_path / "sbi.pt")  # a weights file as training writes it
    det = sbi.SbiDetector(tmp_path / "sbi.pt", device="cpu")
    assert det.device == "cpu" and next(det.net.parameters()).device.type == "cpu"
    crops = np.random.default_rng(0).integers(0, 255, (2, 256, 256, 3), dtype=np.uint8)
    assert det.score(crops).shape == (2,) and len(sbi.gradcam(det, crops[:1])) == 1
    sbi_sequence.save(tmp_path / "gru.pt", net, sbi_sequence.build_gru())
    gru = sbi_sequence.SbiGruDetector(tmp_path / "gru.pt", device="cpu")
    assert gru.score(crops).shape == (2,)
    features = MobileNetV2Features(device="cpu")
    assert features.features(crops).shape == (2, 1280)
    assert next(build_stream().to("cpu").parameters()).device.type == "cpu"


def test_mtcnn_is_built_on_the_device_given():
    from models.faces.mtcnn import MtcnnFinder

    assert MtcnnFinder(device="CPU:0").device == "CPU:0"


def test_importing_the_device_module_loads_no_runtime():
    import subprocess

    code = "import sys, models.device; print(any(m in sys.modules for m in ('torch', 'tensorflow', 'onnxruntime')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
