"""Calibration of detector scores: fitted on over-confident synthetic scores, it must lower the log loss."""

from __future__ import annotations

import json

import numpy as np
import pytest

from models.calibration import Calibration, CalibrationError, fit_calibration


def _log_loss(p, y) -> float:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _overconfident(n: int, seed: int):
    """Labels and scores whose logit is 3x the true one (a detector far too sure of itself)."""
    rng = np.random.default_rng(seed)
    true_logit = rng.normal(0, 1.5, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-true_logit))).astype(int)
    return 1 / (1 + np.exp(-3 * true_logit)), y


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_calibration_improves_held_out_log_loss(method):
    s_fit, y_fit = _overconfident(2000, 0)
    s_test, y_test = _overconfident(2000, 1)
    cal = fit_calibration(s_fit, y_fit, method)
    assert _log_loss(cal.apply(s_test), y_test) < _log_loss(s_test, y_test) - 0.05
    assert np.all(np.diff(cal.apply(np.linspace(0, 1, 101))) >= -1e-12)  # monotone


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_calibration_round_trips_through_json(method):
    s, y = _overconfident(300, 2)
    cal = fit_calibration(s, y, method)
    again = Calibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert np.allclose(again.apply(s), cal.apply(s)) and again.n_samples == 300
    if method == "platt":
        assert 0.2 < cal.params["a"] < 0.5  # recovers the 1/3 that undoes the 3x over-confidence


def test_calibration_refuses_what_it_cannot_fit():
    with pytest.raises(CalibrationError, match="both classes"):
        fit_calibration([0.1, 0.2, 0.3, 0.4], [1, 1, 1, 1])
    with pytest.raises(CalibrationError, match="Unknown"):
        fit_calibration([0.1, 0.9, 0.2, 0.8], [0, 1, 0, 1], "beta")
