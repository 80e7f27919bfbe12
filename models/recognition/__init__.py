"""Face recognisers (identity descriptors), chosen by name; used to pick faces and to check a swap."""

from __future__ import annotations

from models.recognition.arcface import ArcFace
from models.recognition.dlib_descriptor import DlibDescriptor, distance

RECOGNISERS: dict[str, type] = {"dlib": DlibDescriptor, "arcface": ArcFace}

__all__ = ["RECOGNISERS", "ArcFace", "DlibDescriptor", "distance"]
