"""Find weights under MODELS_DIR (checked by sha256) and download them explicitly (never at run time)."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import tempfile
import urllib.request
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional

from models.catalog import CATALOG, WeightsFile
from models.errors import WeightsMismatch, WeightsMissing

Opener = Callable[[str], object]  # url -> binary file-like object
BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"  # weights shipped in the repository


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=256)
def _cached_sha256(path: str, mtime: float, size: int) -> str:
    return sha256_file(Path(path))


def checked_sha256(path: Path) -> str:
    """sha256 of a file, cached by (path, mtime, size) so a worker hashes a weights file once."""
    st = path.stat()
    return _cached_sha256(str(path), st.st_mtime, st.st_size)


def locate(name: str, models_dir: Optional[Path]) -> Path:
    """Path of a catalog file under models_dir (else the shipped copy, if any), verified by sha256; raises
    WeightsMissing / WeightsMismatch. With no models folder only shipped files can be found."""
    entry = CATALOG[name]
    if models_dir is None and not entry.builtin:
        raise WeightsMissing(f"The weights {name} need a models folder (MODELS_DIR) and none is configured.")
    path = BUILTIN_DIR / entry.path if models_dir is None else Path(models_dir) / entry.path
    if not path.is_file() and entry.builtin:
        path = BUILTIN_DIR / entry.path
    if not path.is_file():
        raise WeightsMissing(
            f"The weights for {name} are not installed: expected {entry.path} in the models folder "
            f"({models_dir}). " + (f"Run 'flask models download {name}' on a connected machine." if entry.url
                                   else f"It has no direct download: {entry.note}")
        )
    if entry.sha256 and checked_sha256(path) != entry.sha256:
        raise WeightsMismatch(f"{entry.path} is not the expected file for {name} (sha256 differs).")
    return path


def package_file(package: str, relative: str, not_installed: str) -> Path:
    """A weights file shipped inside an installed package, found by path without importing the package (importing
    some runs side effects); WeightsMissing with `not_installed` when the package is absent."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise WeightsMissing(not_installed)
    path = Path(list(spec.submodule_search_locations)[0]) / relative
    if not path.is_file():
        raise WeightsMissing(f"{path.name} is missing from the package {package} ({path}).")
    return path


def status(name: str, models_dir: Optional[Path]) -> Optional[str]:
    """None when the file is present and verified, else the reason it cannot be used."""
    try:
        locate(name, models_dir)
    except (WeightsMissing, WeightsMismatch) as exc:
        return str(exc)
    return None


def _urlopen(url: str):
    return urllib.request.urlopen(url, timeout=30)  # an offline machine fails in seconds, not minutes


def download(entry: WeightsFile, models_dir: Path, opener: Opener = _urlopen) -> Path:
    """Fetch entry.url into models_dir/entry.path, refusing a file whose sha256 differs."""
    if not entry.url:
        raise WeightsMissing(f"{entry.name} has no direct download ({entry.note}); copy it into the models folder.")
    target = Path(models_dir) / entry.path
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
        with opener(entry.url) as response:  # type: ignore[attr-defined]
            while block := response.read(1 << 20):
                digest.update(block)
                tmp.write(block)
    if entry.sha256 and digest.hexdigest() != entry.sha256:
        Path(tmp.name).unlink()
        raise WeightsMismatch(f"Downloaded {entry.name} has sha256 {digest.hexdigest()}, expected {entry.sha256}.")
    shutil.move(tmp.name, target)
    return target
