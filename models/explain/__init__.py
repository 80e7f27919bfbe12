"""Explanations of a verdict: class-activation heatmaps over the face crops a model scored."""

from __future__ import annotations

from models.explain.cam import cam, gradcam_keras, overlay

__all__ = ["cam", "gradcam_keras", "overlay"]
