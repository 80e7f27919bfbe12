"""Face swappers behind one protocol (see base.py), chosen by name; each can say why it is unavailable."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Optional

from models.errors import ModelsError
from models.swappers.base import SourceIdentity, Swapper
from models.swappers.classical import ClassicalSwapper
from models.swappers.inswapper import InSwapper128
from models.swappers.simswap import SimSwap256, SimSwap512
from models.weights import status as weights_status

SWAPPERS: dict[str, type] = {
    "classical": ClassicalSwapper,
    "inswapper_128": InSwapper128,
    "simswap_256": SimSwap256,
    "simswap_512": SimSwap512,
}


def _missing_packages(cls: type) -> list[str]:
    return [p for p in getattr(cls, "packages", ()) if importlib.util.find_spec(p) is None]


def swapper_status(models_dir: Optional[Path]) -> dict[str, Optional[str]]:
    """name -> None when usable, else a sentence saying what is missing (packages, then weights)."""
    result: dict[str, Optional[str]] = {}
    for name, cls in SWAPPERS.items():
        missing = _missing_packages(cls)
        if missing:
            result[name] = f"unavailable: the package(s) {', '.join(missing)} are not installed."
            continue
        reasons = [r for r in (weights_status(w, Path(models_dir or ".")) for w in cls.needs) if r]
        result[name] = ("unavailable: " + " ".join(reasons)) if reasons else None
    return result


def get_swapper(name: str, models_dir: Optional[Path] = None, **kwargs) -> Swapper:
    """An instance of the named swapper, its weights loaded from models_dir (raises WeightsMissing)."""
    if name not in SWAPPERS:
        raise ModelsError(f"Unknown swapper {name!r}; choose one of {', '.join(SWAPPERS)}.")
    return SWAPPERS[name](models_dir, **kwargs)


__all__ = ["SWAPPERS", "SourceIdentity", "Swapper", "get_swapper", "swapper_status"]
