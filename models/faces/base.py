"""What every face finder shares: whether it can run here (its packages, its verified weights file)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from models.errors import WeightsMismatch, WeightsMissing


class Finder:
    """Base of a face finder: the `packages` it imports and the weights file it loads (`weights_file`)."""

    name = ""
    packages: tuple[str, ...] = ()

    @classmethod
    def weights_file(cls, models_dir: Path | None) -> Path | None:
        """The verified weights file, or WeightsMissing / WeightsMismatch; None when its package ships them."""
        return None

    @classmethod
    def runtime_missing(cls) -> str | None:
        """None when the packages it imports are installed, else which are not."""
        missing = [m for m in cls.packages if importlib.util.find_spec(m) is None]
        return f"package {' and '.join(missing)} not installed" if missing else None

    @classmethod
    def unavailable(cls, models_dir: Path | None = None) -> str | None:
        """None when the finder can run here, else the reason (no model is loaded)."""
        if reason := cls.runtime_missing():
            return reason
        try:
            cls.weights_file(models_dir)
        except (WeightsMissing, WeightsMismatch) as exc:
            return str(exc)
        return None
