"""The generation request form (source, target, swapper, faces, purpose, consent) and the source-face choice."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

FACE_MODES = [("all", "every face in the video"), ("largest", "the largest face in each frame"),
              ("reference", "the face most like a reference photo")]
ATTESTATION = ("I confirm that the person in the source photo, named above, agreed to their face being used for "
               "this research purpose.")


class GenerationForm(FlaskForm):
    source = FileField("Source photo (the identity to use)", validators=[FileRequired("Choose a source photo.")])
    target = FileField("Target video (whose faces are replaced)", validators=[FileRequired("Choose a target video.")])
    swapper = SelectField("Swapper", validators=[DataRequired()])
    faces = SelectField("Faces to replace", choices=FACE_MODES, default="all")
    reference = FileField("Reference photo (only for 'most like a reference')")
    purpose = TextAreaField("Purpose of this generation", validators=[DataRequired(), Length(10, 2000)])
    consent_subject = StringField("Person in the source photo", validators=[DataRequired(), Length(2, 200)])
    consent = BooleanField(ATTESTATION, validators=[InputRequired("The consent attestation is required.")])
    evidence = FileField("Consent evidence (optional: a signed form as PDF or photo)")


class ChooseFaceForm(FlaskForm):
    face = IntegerField("Face number", validators=[DataRequired(), NumberRange(min=1)])
