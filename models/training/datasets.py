"""The lab's datasets as lists of (video path, label), label 1 = FAKE, 0 = REAL; and a stratified split.

Layouts: DFDC folders (metadata.json {file: {"label": "REAL"|"FAKE"}}), Celeb-DF (List_of_testing_videos.txt,
lines "1 path" where 1 = real; or its Celeb-real / YouTube-real / Celeb-synthesis folders), FaceForensics++
(original_sequences/.../videos vs manipulated_sequences/<method>/.../videos), plain real/ and fake/ folders.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import NamedTuple, Optional, Sequence

from models.errors import ModelsError

VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg"}
FAKE, REAL = 1, 0


class DatasetError(ModelsError):
    """A dataset folder is missing, empty, or in no layout we know."""


class Sample(NamedTuple):
    path: Path
    label: int  # 1 = FAKE, 0 = REAL
    source: str = ""  # layout-specific origin (DFDC part, FF++ method, ...)
    group: str = ""  # source identity or footage: a grouped split keeps each group on one side


def _videos(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file())


def read_dfdc(root: Path) -> list[Sample]:
    """Every metadata.json under root (one per DFDC part); files listed but absent are skipped."""
    samples = []
    for meta in sorted(Path(root).rglob("metadata.json")):
        for name, info in json.loads(meta.read_text()).items():
            label = str(info.get("label", "")).upper()
            if label not in ("REAL", "FAKE") or not (meta.parent / name).is_file():
                continue
            samples.append(Sample(meta.parent / name, FAKE if label == "FAKE" else REAL, meta.parent.name))
    return samples


def read_celebdf(root: Path, list_file: str = "List_of_testing_videos.txt") -> list[Sample]:
    """Celeb-DF from its testing list ("1 path": 1 = real), else from its real / synthesis folders."""
    root = Path(root)
    if (root / list_file).is_file():
        samples = []
        for line in (root / list_file).read_text().splitlines():
            parts = line.split(maxsplit=1)
            if len(parts) == 2 and parts[0] in ("0", "1") and (root / parts[1]).is_file():
                samples.append(Sample(root / parts[1], REAL if parts[0] == "1" else FAKE, parts[1].split("/")[0]))
        return samples
    folders = {"Celeb-real": REAL, "YouTube-real": REAL, "Celeb-synthesis": FAKE}
    return [Sample(p, label, name) for name, label in folders.items() if (root / name).is_dir()
            for p in _videos(root / name)]


def read_faceforensics(root: Path, methods: Optional[Sequence[str]] = None,
                       compression: Optional[str] = None) -> list[Sample]:
    """FF++: original_sequences/*/<c>/videos are real, manipulated_sequences/<method>/<c>/videos fake."""
    root = Path(root)
    samples = []
    for kind, label in (("original_sequences", REAL), ("manipulated_sequences", FAKE)):
        for videos in sorted((root / kind).glob("*/*/videos")):
            method, comp = videos.parent.parent.name, videos.parent.name
            if (label == FAKE and methods and method not in methods) or (compression and comp != compression):
                continue
            samples += [Sample(p, label, method) for p in _videos(videos)]
    return samples


def read_folders(root: Path) -> list[Sample]:
    """Plain real/ and fake/ folders (any depth below them)."""
    root = Path(root)
    return [Sample(p, label, name) for name, label in (("real", REAL), ("fake", FAKE)) for p in _videos(root / name)]


def read_labels_csv(root: Path) -> list[Sample]:
    """A labels.csv (path, label real|fake, manipulation, group) beside the videos, as in the lab's public-dev set."""
    import csv

    root = Path(root)
    with open(root / "labels.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [Sample(root / r["path"], FAKE if r["label"].strip().lower() == "fake" else REAL,
                   r.get("manipulation", "") or "", r.get("group", "") or "") for r in rows]


def detect_layout(root: Path) -> str:
    """Name of the layout of a dataset folder: labels_csv, dfdc, celebdf, faceforensics or folders."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"The dataset folder {root} does not exist.")
    if (root / "labels.csv").is_file():
        return "labels_csv"
    if (root / "original_sequences").is_dir() or (root / "manipulated_sequences").is_dir():
        return "faceforensics"
    if (root / "List_of_testing_videos.txt").is_file() or (root / "Celeb-synthesis").is_dir():
        return "celebdf"
    if (root / "real").is_dir() and (root / "fake").is_dir():
        return "folders"
    if next(root.rglob("metadata.json"), None) is not None:
        return "dfdc"
    raise DatasetError(f"{root} is in no known layout (DFDC metadata.json, Celeb-DF, FaceForensics++, real/ + fake/).")


READERS = {"labels_csv": read_labels_csv, "dfdc": read_dfdc, "celebdf": read_celebdf,
           "faceforensics": read_faceforensics, "folders": read_folders}


def load_dataset(root: Path, layout: Optional[str] = None) -> list[Sample]:
    """All labelled videos of a dataset folder; raises DatasetError when it holds none of both classes."""
    layout = layout or detect_layout(root)
    samples = READERS[layout](Path(root))
    counts = {label: sum(s.label == label for s in samples) for label in (REAL, FAKE)}
    if not counts[REAL] or not counts[FAKE]:
        raise DatasetError(f"{root} ({layout}) holds {counts[REAL]} real and {counts[FAKE]} fake videos: "
                           "training needs both.")
    return samples


def stratified_split(samples: Sequence[Sample], fractions: Sequence[float] = (0.7, 0.15, 0.15),
                     seed: int = 0) -> list[list[Sample]]:
    """Split into parts of the given fractions, each with the same real/fake proportion (deterministic)."""
    if abs(sum(fractions) - 1.0) > 1e-6:
        raise ValueError("split fractions must sum to 1")
    parts: list[list[Sample]] = [[] for _ in fractions]
    rng = random.Random(seed)
    for label in (REAL, FAKE):
        group = sorted((s for s in samples if s.label == label), key=lambda s: str(s.path))
        rng.shuffle(group)
        edges, acc = [0], 0.0
        for f in fractions:
            acc += f
            edges.append(round(acc * len(group)))
        for i in range(len(fractions)):
            parts[i] += group[edges[i] : edges[i + 1]]
    return parts


def group_folds(samples: Sequence[Sample], k: int, seed: int = 0) -> list[list[str]]:
    """k lists of groups, balanced by video count, so that no group (person) is on both sides of a split."""
    sizes: dict[str, int] = {}
    for s in samples:
        sizes[s.group or str(s.path)] = sizes.get(s.group or str(s.path), 0) + 1
    names = sorted(sizes)
    random.Random(seed).shuffle(names)
    folds: list[list[str]] = [[] for _ in range(k)]
    totals = [0] * k
    for name in sorted(names, key=lambda n: -sizes[n]):
        i = totals.index(min(totals))
        folds[i].append(name)
        totals[i] += sizes[name]
    return folds
