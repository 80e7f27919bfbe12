"""From a calibrated P(fake) to a verdict a person can rely on: REAL, FAKE, or INCONCLUSIVE where the model errs.

The inconclusive band comes from the model's card: the range of calibrated probability in which it was measured
to be wrong too often (on groups held out of training). Thin evidence (a face in fewer than three frames) is never
enough for REAL or FAKE; a very short clip must score far from the threshold to count.
"""

from __future__ import annotations

from typing import Optional, Sequence

DEFAULT_BAND = (0.3, 0.7)  # calibrated P(fake) 0.3-0.7: wrong at least 30% of the time by the calibration itself
SHORT_CLIP_BAND = (0.1, 0.9)


def band_of(card: Optional[dict]) -> tuple[float, float]:
    """The model's inconclusive band from its card, else the default."""
    band = (card or {}).get("inconclusive_band")
    return (float(band[0]), float(band[1])) if band else DEFAULT_BAND


def decide(p: float, band: Sequence[float] = DEFAULT_BAND, *, thin: bool = False, short: bool = False) -> str:
    """REAL, FAKE or INCONCLUSIVE for a calibrated probability of a fake."""
    low, high = SHORT_CLIP_BAND if short else band
    if thin or low < p < high:
        return "INCONCLUSIVE"
    return "FAKE" if p >= 0.5 else "REAL"


def confidence(verdict: str, p: float) -> float:
    """Probability of the verdict itself (for INCONCLUSIVE: of the more likely side)."""
    if verdict == "FAKE":
        return p
    if verdict == "REAL":
        return 1.0 - p
    return max(p, 1.0 - p)
