"""Probability calibration of detector scores (Platt scaling or isotonic regression, via scikit-learn).

A fitted Calibration is plain data (`to_dict()` is JSON-serialisable) so it is stored with its model and
applied without scikit-learn objects: Platt is a sigmoid a*logit(p)+b, isotonic a monotone step-linear table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from models.errors import ModelsError

METHODS = ("platt", "isotonic")
_EPS = 1e-6


class CalibrationError(ModelsError):
    """Calibration cannot be fitted on these scores (too few, one class only, unknown method)."""


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


@dataclass
class Calibration:
    """A fitted map from raw P(fake) to calibrated P(fake)."""

    method: str
    params: dict = field(default_factory=dict)
    n_samples: int = 0

    def apply(self, p) -> np.ndarray:
        """Calibrated probabilities for raw scores `p` (scalar or array), clipped to [0, 1]."""
        p = np.asarray(p, dtype=np.float64)
        if self.method == "platt":
            out = 1.0 / (1.0 + np.exp(-(self.params["a"] * _logit(p) + self.params["b"])))
        elif self.method == "isotonic":
            out = np.interp(p, self.params["x"], self.params["y"])
        else:
            out = p
        return np.clip(out, 0.0, 1.0)

    def to_dict(self) -> dict:
        """JSON-serialisable form."""
        return {"method": self.method, "params": self.params, "n_samples": self.n_samples}

    @classmethod
    def from_dict(cls, data: dict) -> "Calibration":
        """Inverse of to_dict."""
        if data.get("method") not in METHODS + ("identity",):
            raise CalibrationError(f"Unknown calibration method {data.get('method')!r}.")
        return cls(data["method"], dict(data.get("params", {})), int(data.get("n_samples", 0)))


def _check(scores: Sequence[float], labels: Sequence[int], method: str) -> tuple[np.ndarray, np.ndarray]:
    if method not in METHODS:
        raise CalibrationError(f"Unknown calibration method {method!r}; choose one of {', '.join(METHODS)}.")
    s, y = np.asarray(scores, dtype=np.float64).ravel(), np.asarray(labels, dtype=int).ravel()
    if s.size != y.size:
        raise CalibrationError(f"{s.size} scores but {y.size} labels: they must pair up.")
    if s.size < 4 or len(np.unique(y)) < 2:
        raise CalibrationError("Calibration needs at least 4 scored videos of both classes (real and fake).")
    return s, y


def fit_calibration(scores: Sequence[float], labels: Sequence[int], method: str = "platt") -> Calibration:
    """Fit P(fake | score) on held-out scores with labels 1 = fake, 0 = real."""
    s, y = _check(scores, labels, method)
    if method == "platt":
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=1e6).fit(_logit(s)[:, None], y)
        return Calibration("platt", {"a": float(lr.coef_[0, 0]), "b": float(lr.intercept_[0])}, int(s.size))
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(s, y)
    xs, ys = iso.X_thresholds_, iso.y_thresholds_
    return Calibration("isotonic", {"x": [float(v) for v in xs], "y": [float(v) for v in ys]}, int(s.size))
