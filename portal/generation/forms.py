"""The generation request form (source, target, swapper, faces, purpose, consent) and the source-face choice."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from portal.jobs.uploads import UploadError, accept_image, accept_video
from portal.storage import Storage

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

    def stored_files(self, storage: Storage) -> tuple:
        """The uploads, each checked and stored: (source, target, reference or None, evidence or None). Pages and
        API alike; a refused file raises UploadError (files stored by a refused request leave the store after it)."""
        from portal.generation.service import accept_evidence

        given = lambda field: field.data is not None and bool(field.data.filename)  # noqa: E731
        source, target = accept_image(self.source.data, storage), accept_video(self.target.data, storage)
        reference = accept_image(self.reference.data, storage) if given(self.reference) else None
        evidence = accept_evidence(self.evidence.data, storage) if given(self.evidence) else None
        if self.faces.data == "reference" and reference is None:
            raise UploadError("Add a reference photo, or choose another way of picking the faces.")
        return source, target, reference, evidence


class ChooseFaceForm(FlaskForm):
    face = IntegerField("Face number", validators=[DataRequired(), NumberRange(min=1)])
