"""Rules that turn per-frame P(fake) into one video-level P(fake)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

Aggregation = Callable[[Sequence[float]], float]


def mean(scores: Sequence[float]) -> float:
    """Plain mean of the per-frame scores."""
    p = np.asarray(scores, dtype=np.float64)
    return float(p.mean()) if p.size else 0.5


def confident(scores: Sequence[float], high: float = 0.8, low: float = 0.2) -> float:
    """DFDC winner's rule (selimsef): trust many confident fakes, else many confident reals, else the mean."""
    p = np.asarray(scores, dtype=np.float64)
    if not p.size:
        return 0.5
    n, fakes = p.size, int((p > high).sum())
    if fakes > n / 2.5 and fakes > 11:
        return float(p[p > high].mean())
    if (p < low).sum() > 0.9 * n:
        return float(p[p < low].mean())
    return float(p.mean())


AGGREGATIONS: dict[str, Aggregation] = {"mean": mean, "confident": confident}
