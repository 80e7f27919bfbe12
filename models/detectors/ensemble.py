"""An ensemble verdict: the mean of several detectors' (calibrated) probabilities of a fake."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np

from models.types import DetectionResult


def combine(results: list[DetectionResult], probabilities: list[float], threshold: float = 0.5) -> DetectionResult:
    """One result: frames and thumbnails of the first member, P(fake) the mean of the members' probabilities."""
    p = float(np.mean(probabilities))
    first = results[0]
    weights = hashlib.sha256("".join(r.weights_sha256 for r in results).encode()).hexdigest()
    timings: dict[str, float] = {}
    for r in results:
        for stage, seconds in r.timings.items():
            timings[f"{r.model}.{stage}"] = seconds
    warnings = [w for r in results for w in r.warnings]
    return replace(first, verdict="FAKE" if p >= threshold else "REAL", fake_probability=p,
                   aggregation=f"mean of {len(results)} detectors",
                   model="ensemble(" + " + ".join(r.model for r in results) + ")",
                   weights_sha256=weights, timings=timings, warnings=warnings)
