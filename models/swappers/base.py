"""The protocol every face swapper follows, and the identity it extracts from the source photo once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Protocol

import numpy as np

from models.types import Face
from models.weights import locate


@dataclass
class SourceIdentity:
    """What a swapper keeps of the source face: the photo, the face, and its model-specific identity."""

    image: np.ndarray  # source RGB photo
    face: Face
    embedding: Optional[np.ndarray] = None  # identity vector fed to a neural swapper
    landmarks: Optional[np.ndarray] = None  # dense landmarks (classical swapper)
    extra: dict = field(default_factory=dict)


class Swapper(Protocol):
    """name: registry name; needs: catalog names of the weights it loads."""

    name: str
    needs: tuple[str, ...]

    def prepare(self, source_rgb: np.ndarray, source_face: Face) -> SourceIdentity: ...

    def swap(self, frame_rgb: np.ndarray, target_face: Face, identity: SourceIdentity) -> np.ndarray: ...


def resolve(needs: tuple[str, ...], models_dir: Optional[Path], files: Optional[dict[str, Path]]) -> dict[str, Path]:
    """Paths of the needed weights: given explicitly in `files`, else located (sha256-checked) in models_dir."""
    files = dict(files or {})
    return {name: Path(files[name]) if name in files else locate(name, Path(models_dir)) for name in needs}


def weights_sha256(paths: dict[str, Path]) -> dict[str, str]:
    """sha256 of each weights file a swapper loaded (for the provenance manifest)."""
    from models.weights import checked_sha256

    return {name: checked_sha256(Path(p)) for name, p in paths.items()}
