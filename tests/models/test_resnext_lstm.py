"""The earlier projects' ResNeXt50 + LSTM: checkpoint layout, strict loading, their forward pass, a video."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import WeightsMismatch


@pytest.fixture(scope="module")
def model():
    import torch

    from models.torchnets.resnext_lstm import build_model

    torch.manual_seed(0)
    return build_model()


def test_layout_is_the_earlier_projects(model):
    keys = model.state_dict().keys()
    trunk = {k.split(".")[1] for k in keys if k.startswith("model.")}
    assert trunk == {"0", "1", "4", "5", "6", "7"}  # model.2 and model.3 are ReLU and max-pool: no tensors
    assert not any(k.startswith("lstm.bias") for k in keys)  # nn.LSTM(2048, 2048, 1, False): bias=False
    assert model.state_dict()["linear1.weight"].shape == (2, 2048)


def test_checkpoint_round_trip_strict(model, tmp_path):
    import torch

    from models.torchnets.resnext_lstm import load_checkpoint, preprocess, save_checkpoint

    rng = np.random.default_rng(1)
    x = preprocess([rng.integers(0, 255, (90, 80, 3), dtype=np.uint8) for _ in range(3)])
    save_checkpoint(model, tmp_path / "ours.pt", sequence_length=3)
    torch.save(model.state_dict(), tmp_path / "model_93_acc_40_frames_final_data.pt")  # their bare format
    ours, info = load_checkpoint(tmp_path / "ours.pt")
    theirs, info2 = load_checkpoint(tmp_path / "model_93_acc_40_frames_final_data.pt")
    with torch.inference_mode():
        expected = model(x)[1]
        assert torch.equal(ours(x)[1], expected) and torch.equal(theirs(x)[1], expected)
    assert (info["sequence_length"], info2["sequence_length"]) == (3, 40)
    assert info2["sequence_length_source"] == "file name" and info["channels"] == "BGR"


def test_readout_is_the_last_frames_single_step(model):
    import torch

    pooled = torch.randn(1, 4, 2048)
    changed = pooled.clone()
    changed[:, :3] = torch.randn(1, 3, 2048)
    with torch.inference_mode():
        assert torch.allclose(model.head(pooled), model.head(changed))  # only the last frame counts
        h = torch.zeros(1, 1, 2048)
        _, (h_last, _) = model.lstm(pooled[:, 3:4].reshape(1, 1, 2048), (h, h.clone()))
        assert torch.allclose(model.head(pooled), model.linear1(h_last[0]), atol=1e-5)


def test_misshaped_files_are_refused_clearly(model, tmp_path):
    import torch

    from models.torchnets.resnext_lstm import load_checkpoint

    state = dict(model.state_dict())
    state["lstm.bias_ih_l0"] = torch.zeros(8192)  # an LSTM built with bias=True
    state["linear1.weight"] = torch.zeros(3, 2048)
    torch.save(state, tmp_path / "wrong.pt")
    with pytest.raises(WeightsMismatch) as err:
        load_checkpoint(tmp_path / "wrong.pt")
    message = str(err.value)
    assert "not a ResNeXt50+LSTM checkpoint" in message and "unexpected keys lstm.bias_ih_l0" in message
    assert "shape of linear1.weight is (3, 2048), expected (2, 2048)" in message
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsMismatch, match="not a PyTorch checkpoint"):
        load_checkpoint(tmp_path / "junk.pt")


def test_detect_video_reads_the_first_frames_with_a_face(model, tmp_path):
    from models.torchnets.resnext_lstm import ResNeXtLSTMDetector, save_checkpoint
    from tests.videofactory import face_video, real_photo

    video = face_video(tmp_path / "one.mp4", seconds=1.0, fps=10, photo=real_photo("t1")[215:440, 0:400],
                       audio=False)
    detector = ResNeXtLSTMDetector(save_checkpoint(model, tmp_path / "seq3.pt", sequence_length=3))
    result = detector.detect_video(video)
    assert [f.index for f in result.frames] == [0, 1, 2] and all(f.face_box for f in result.frames)
    assert result.verdict == ("FAKE" if result.fake_probability >= 0.5 else "REAL")
    assert {"decode", "faces", "backbone", "head"} <= set(result.timings)
