"""Head presets: the earlier projects' layer stacks, masks honoured, per-frame scores for frame heads."""

from __future__ import annotations

import numpy as np
import pytest

from models.heads import PRESETS, build_head, frame_model, head_config


def _layers(model) -> list[tuple[str, object]]:
    return [(type(layer).__name__, getattr(layer, "units", None)) for layer in model.layers]


def test_densenet169_gru_is_the_earlier_stack():
    model = build_head(head_config("densenet169_gru"))
    assert [i.shape for i in model.inputs] == [(None, 20, 1664), (None, 20)]
    kinds = [k for k in _layers(model) if k[0] not in ("InputLayer", "Activation")]
    assert kinds == [("GRU", 16), ("GRU", 8), ("Dropout", None), ("Dense", 8), ("Dense", 1)]
    assert model.get_layer("gru_0").return_sequences and not model.get_layer("gru_1").return_sequences
    assert [d for d in model.layers if type(d).__name__ == "Dropout"][0].rate == 0.4
    assert model.get_layer("fake_probability").activation.__name__ == "sigmoid"


def test_resnet50_lstm_stack():
    assert (PRESETS["resnet50_lstm"]["units"], PRESETS["resnet50_lstm"]["dense"]) == ([2048], [2048])
    # the same stack at width 32: an LSTM(2048) takes ~15 s just to initialise on 2 cores
    model = build_head(head_config("resnet50_lstm", units=[32], dense=[32]))
    kinds = [k for k in _layers(model) if k[0] not in ("InputLayer",)]
    assert kinds == [("LSTM", 32), ("LeakyReLU", None), ("Dropout", None), ("Dense", 32), ("LeakyReLU", None),
                     ("Dense", 1)]
    assert model.inputs[0].shape == (None, 20, 2048)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_builds_and_gives_a_probability(preset):
    small = {"units": [64], "dense": [64]} if preset == "resnet50_lstm" else {}
    config = head_config(preset, frames=4, **small)
    model = build_head(config)
    x = np.random.default_rng(0).normal(size=(2, 4, config["dim"])).astype(np.float32)
    p = model.predict([x, np.ones((2, 4), bool)], verbose=0)
    assert p.shape == (2, 1) and np.all((p > 0) & (p < 1))


@pytest.mark.parametrize("preset", ["densenet169_gru", "densenet169_lstm", "inceptionv3_frames"])
def test_masked_frames_do_not_change_the_score(preset):
    config = head_config(preset, frames=6, dim=32)
    model = build_head(config)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, 6, 32)).astype(np.float32)
    mask = np.array([[True, True, False, True, False, True]])
    y = x.copy()
    y[0, ~mask[0]] = rng.normal(size=(2, 32)) * 10
    a, b = (model.predict([v, mask], verbose=0) for v in (x, y))
    np.testing.assert_allclose(a, b, atol=1e-5)
    z = x.copy()
    z[0, 0] += 5.0  # a frame that counts does change it
    assert abs(float(model.predict([z, mask], verbose=0)[0, 0] - a[0, 0])) > 1e-4


def test_frame_heads_score_frames_and_average_them():
    model = build_head(head_config("inceptionresnetv2_frames", frames=5, dim=16))
    per_frame = frame_model(model)
    assert frame_model(build_head(head_config("densenet169_gru", frames=5, dim=16))) is None
    x = np.random.default_rng(2).normal(size=(1, 5, 16)).astype(np.float32)
    mask = np.array([[True, False, True, True, False]])
    frames = per_frame.predict(x, verbose=0).reshape(-1)
    video = model.predict([x, mask], verbose=0)[0, 0]
    assert video == pytest.approx(frames[mask[0]].mean(), abs=1e-5)


def test_unknown_preset_and_kind_are_named():
    with pytest.raises(KeyError, match="Unknown head preset"):
        head_config("vgg_gru")
    with pytest.raises(ValueError, match="Unknown head kind"):
        build_head({**head_config("densenet169_gru"), "kind": "transformer"})
