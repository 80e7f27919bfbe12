"""Admin pages of the detector registry: models with their metrics, default, upload, and the lab benchmark."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Regexp

from portal import audit
from portal.admin.limits import LimitExceeded
from portal.authz import role_required
from portal.db import DetectorModel, Job
from portal.detectors import available as detectors
from portal.detectors import registry
from portal.extensions import db
from portal.forms import ActionForm, perform
from portal.jobs.service import create_benchmark, create_model_check
from portal.jobs.uploads import UploadError, receive
from portal.storage import app_storage

bp = Blueprint("detectors", __name__, url_prefix="/admin/detectors")
UPLOAD_KINDS = [("resnext_lstm", "ResNeXt50+LSTM checkpoint (PyTorch .pt / .pth)")]


class UploadForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(3, 100),
                                           Regexp(r"^[a-z0-9][a-z0-9_.-]*$", message="Use a-z, 0-9, _ . -")])
    architecture = SelectField("Kind", choices=UPLOAD_KINDS)
    dataset = StringField("Trained on", validators=[Length(max=255)])
    file = FileField("Model file", validators=[FileRequired()])


class BenchmarkForm(FlaskForm):
    set_name = SelectField("Labelled set", validators=[DataRequired()])
    models = SelectMultipleField("Detectors", validators=[DataRequired()])
    frames = IntegerField("Frames per video", default=16, validators=[NumberRange(4, 64)])


def _benchmark_form() -> BenchmarkForm:
    from pathlib import Path

    from models.benchmark import GENERATED_SET, available_sets

    form = BenchmarkForm()
    form.set_name.choices = [(GENERATED_SET, "the portal's own generated videos vs their targets")] + [
        (n, f"{n} (datasets folder)") for n in available_sets(Path(current_app.config["DATASETS_DIR"]))]
    form.models.choices = detectors.choices()
    return form


@bp.route("/")
@role_required("admin")
def index():
    rows = db.session.execute(select(DetectorModel).order_by(DetectorModel.name)).scalars().all()
    runs = db.session.execute(select(Job).where(Job.kind == "benchmark").order_by(Job.id.desc()).limit(20)).scalars()
    return render_template("detectors/index.html", rows=rows, builtin=detectors.builtin_status(),
                           upload=UploadForm(), bench=_benchmark_form(), action=ActionForm(), runs=list(runs),
                           default=_default_form(), components=_components())


class DefaultForm(FlaskForm):
    detector = SelectField("Default detector of new checks", validators=[DataRequired()])


def _default_form() -> DefaultForm:
    form = DefaultForm(detector=detectors.default_choice())
    form.detector.choices = detectors.choices()
    return form


def _components() -> dict[str, dict[str, str | None]]:
    """What can run here besides detectors: swappers and face finders, each None or the reason it cannot."""
    from models.faces import face_finder_status
    from models.swappers import swapper_status

    models_dir = current_app.config["MODELS_DIR"]
    return {"Face swappers": swapper_status(models_dir), "Face finders": face_finder_status(models_dir)}


@bp.route("/default", methods=["POST"])
@role_required("admin")
def set_default():
    """Any usable detector, built-in or registered, as the one new checks start with."""
    from portal.admin import settings

    form = _default_form()

    def choose():
        settings.put("default_detector", form.detector.data)
        audit.record("detector.default", current_user, None, detector=form.detector.data)
        return f"{form.detector.data} is now the default detector of new checks."

    perform(choose, form=form)
    return redirect(url_for("detectors.index"))


@bp.route("/<int:model_id>/default", methods=["POST"])
@role_required("admin")
def make_default(model_id: int):
    row = db.session.get(DetectorModel, model_id) or abort(404)
    perform(lambda: registry.set_default(row.name, current_user) or f"{row.name} is now the default detector.",
            refused=(registry.RegistryError,))
    return redirect(url_for("detectors.index"))


@bp.route("/<int:model_id>/toggle", methods=["POST"])
@role_required("admin")
def toggle(model_id: int):
    row = db.session.get(DetectorModel, model_id) or abort(404)
    perform(lambda: registry.set_active(row.name, not row.active, current_user)
            or f"{row.name} is {'enabled' if row.active else 'disabled'}.", refused=(registry.RegistryError,))
    return redirect(url_for("detectors.index"))


@bp.route("/upload", methods=["POST"])
@role_required("admin")
def upload():
    """Store the file, register it disabled, and queue a check that loads it strictly before it is enabled."""
    form = UploadForm()

    def register_and_check():
        tmp, sha, _, _ = receive(form.file.data, app_storage())
        row = registry.register_file(form.name.data, form.architecture.data, tmp, app_storage(), sha256=sha,
                                     dataset=form.dataset.data or "", actor=current_user, active=False)
        tmp.unlink(missing_ok=True)
        job = create_model_check(current_user, row.id)  # registration and check are committed together
        return f"{row.name} stored; a worker checks it (job #{job.id}) and enables it if it loads."

    perform(register_and_check, refused=(UploadError, registry.RegistryError, LimitExceeded), form=form)
    return redirect(url_for("detectors.index"))


@bp.route("/benchmark", methods=["POST"])
@role_required("admin")
def benchmark():
    form, made = _benchmark_form(), []
    if perform(lambda: made.append(create_benchmark(current_user, form.set_name.data, form.models.data,
                                                    form.frames.data)), refused=(LimitExceeded,), form=form):
        return redirect(url_for("jobs.show", job_id=made[0].id))
    return redirect(url_for("detectors.index"))
