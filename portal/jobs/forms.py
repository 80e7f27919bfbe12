"""The detection form: one or many files, a detector, an optional ensemble, frames and aggregation."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, MultipleFileField, SelectField, SelectMultipleField, ValidationError
from wtforms.validators import DataRequired, NumberRange, Optional

AGGREGATIONS = [("mean", "mean of frame scores"), ("confident", "confident frames (DFDC winner's rule)")]


class DetectionForm(FlaskForm):
    video = MultipleFileField("Videos or photos (choose several to check each: one job per file)",
                              validators=[lambda form, field: _some_file(field)])
    detector = SelectField("Detector", validators=[DataRequired()])
    ensemble = SelectMultipleField("Also ask (an ensemble: the mean of the detectors' probabilities)",
                                   validators=[Optional()])
    frames = IntegerField("Frames to sample", default=32, validators=[NumberRange(4, 128)])
    aggregation = SelectField("Aggregation", choices=AGGREGATIONS, default="mean")

    def params(self) -> dict:
        """The job's parameters: the primary detector first, then the ensemble's others, each once."""
        chosen = [self.detector.data] + [d for d in self.ensemble.data or [] if d != self.detector.data]
        return {"detector": chosen[0], "detectors": list(dict.fromkeys(chosen)), "frames": self.frames.data,
                "aggregation": self.aggregation.data}


MAX_FILES = 20


def _some_file(field) -> None:
    files = [f for f in field.data or [] if getattr(f, "filename", "")]
    if not files:
        raise ValidationError("Choose a video or a photo.")
    if len(files) > MAX_FILES:
        raise ValidationError(f"Choose at most {MAX_FILES} files at once.")
    field.data = files
