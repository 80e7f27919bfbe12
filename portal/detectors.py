"""Which detectors the portal can offer now: built-in weights found in MODELS_DIR."""

from __future__ import annotations

from flask import current_app

from models.catalog import CATALOG


def builtin_status() -> dict[str, str | None]:
    """Name -> None when usable, else the reason (weights missing or wrong)."""
    from models.detectors import detector_status

    return detector_status(current_app.config["MODELS_DIR"])


def choices() -> list[tuple[str, str]]:
    """(name, label) of every usable detector, for forms."""
    return [(name, f"{name} — {CATALOG[name].note}" if name in CATALOG else name)
            for name, reason in builtin_status().items() if reason is None]


def default_choice() -> str | None:
    usable = [name for name, _ in choices()]
    for preferred in ("meso4_df", "mesoinception4_df"):
        if preferred in usable:
            return preferred
    return usable[0] if usable else None
