"""The generation request form, with a numbered choice when the source photo shows several faces."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from portal.admin.limits import LimitExceeded
from portal.generation import precheck, service
from portal.generation.forms import ATTESTATION, ChooseFaceForm, GenerationForm
from portal.jobs.service import JobError
from portal.jobs.uploads import StoredUpload, UploadError
from portal.storage import app_storage

bp = Blueprint("generation", __name__)

def _with_swappers(form: GenerationForm) -> list[dict]:
    """Offer the swappers that can run now; return every swapper's row for the page."""
    rows = swapper_rows()
    form.swapper.choices = [(row["name"], row["name"]) for row in rows if row["ready"]]
    return rows


def swapper_rows() -> list[dict]:
    """Every swapper the portal knows, for the form: ready, or why not and how an administrator gets its weights
    (from the light catalog and weights status only: no ML runtime is loaded to tell)."""
    from models.catalog import CATALOG
    from models.swappers import SWAPPERS, swapper_status
    from models.weights import status as weights_status

    models_dir = current_app.config["MODELS_DIR"]
    rows = []
    for name, reason in swapper_status(models_dir).items():
        cls = SWAPPERS[name]
        missing = [] if reason is None or "package" in reason else [
            {"name": w, "path": CATALOG[w].path, "licence": CATALOG[w].licence, "url": CATALOG[w].url,
             "how": f"flask models download {w}" if CATALOG[w].url else CATALOG[w].note}
            for w in cls.needs if weights_status(w, models_dir)]
        rows.append({"name": name, "ready": reason is None, "about": (cls.__doc__ or "").split("\n")[0],
                     "reason": None if reason is None else
                     ("its weights are not installed in the models folder" if missing else
                      reason.removeprefix("unavailable: ")), "missing": missing})
    return rows


@bp.route("/generate", methods=["GET", "POST"])
@login_required
def new():
    form = GenerationForm()
    swappers = _with_swappers(form)
    if not form.validate_on_submit():
        return render_template("generation/new.html", form=form, swappers=swappers), 400 if form.errors else 200
    try:
        source, target, reference, evidence = form.stored_files(app_storage())
    except UploadError as exc:
        flash(str(exc), "error")
        return render_template("generation/new.html", form=form, swappers=swappers), 400
    pending = {"source": source.__dict__, "target": {**target.__dict__, "info": None},
               "reference": reference.__dict__ if reference else None,
               "evidence": evidence.__dict__ if evidence else None,
               "params": {"swapper": form.swapper.data, "faces": form.faces.data, "purpose": form.purpose.data,
                          "consent_subject": form.consent_subject.data},
               "consent": {"subject": form.consent_subject.data, "attestation": ATTESTATION}}
    return _check_source_faces(pending)


def _check_source_faces(pending: dict):
    """No face: refuse. One: create the request. Several: ask which one (numbered largest first)."""
    from models.media import read_image

    rgb = read_image(app_storage().path(pending["source"]["key"]))
    boxes = precheck.find_faces(rgb, current_app.config["MODELS_DIR"])
    if not boxes:
        return _form_again(pending, "No face was found in the source photo; use a photo where one face is clearly "
                           "visible.", source_error="No face was found in this photo.")
    if len(boxes) == 1:
        pending["params"]["source_face_box"] = list(boxes[0])
        return _create(pending)
    pending["boxes"] = [list(b) for b in boxes]
    session["pending_generation"] = precheck.hold(current_user, pending)
    return _choose_page(ChooseFaceForm(), rgb, boxes)


def _form_again(pending: dict, message: str, source_error: str = ""):
    """The request form filled with what the user wrote (a browser never refills file fields: it says so)."""
    form = GenerationForm(formdata=None, swapper=pending["params"]["swapper"], faces=pending["params"]["faces"],
                          purpose=pending["params"]["purpose"], consent_subject=pending["consent"]["subject"],
                          consent=True)
    swappers = _with_swappers(form)
    if source_error:
        form.source.errors = [source_error]
    flash(f"{message} What you wrote is kept; choose the files again.", "error")
    return render_template("generation/new.html", form=form, swappers=swappers), 400


def _choose_page(form: ChooseFaceForm, rgb, boxes, status: int = 200):
    return render_template("generation/choose_face.html", form=form, count=len(boxes),
                           preview=precheck.numbered_preview(rgb, boxes)), status


def _choose_again(form: ChooseFaceForm, pending: dict):
    """The numbered photo again with the error beside the number: the request and its files are still held."""
    from models.media import read_image

    boxes = pending["boxes"]
    if not form.face.errors:
        form.face.errors = [f"There is no face {form.face.data}: choose a number from 1 to {len(boxes)}."]
    return _choose_page(form, read_image(app_storage().path(pending["source"]["key"])), boxes, 400)


@bp.route("/generate/choose-face", methods=["POST"])
@login_required
def choose_face():
    form = ChooseFaceForm()
    pending_id = session.get("pending_generation")
    pending = precheck.peek(current_user, pending_id) if isinstance(pending_id, int) else None
    if pending is None:
        flash("This choice is no longer held; start the request again.", "error")
        return redirect(url_for("generation.new"))
    if not form.validate_on_submit() or form.face.data > len(pending["boxes"]):
        return _choose_again(form, pending)
    pending = precheck.take(current_user, pending_id)  # one use: a replayed cookie finds nothing
    session.pop("pending_generation", None)
    if pending is None:
        flash("This choice was already sent; start the request again.", "error")
        return redirect(url_for("generation.new"))
    pending["params"]["source_face_box"] = pending["boxes"][form.face.data - 1]
    return _create(pending)


def _create(pending: dict):
    uploads = {k: StoredUpload(**pending[k]) if pending.get(k) else None
               for k in ("source", "target", "reference", "evidence")}
    try:
        job = service.create_request(current_user, uploads["source"], uploads["target"], pending["params"],
                                     pending["consent"], uploads["evidence"], uploads["reference"])
    except (LimitExceeded, JobError) as exc:
        return _form_again(pending, str(exc))
    flash(f"Request #{job.id} sent; a supervisor will review it.", "info")
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.before_request
def _forget_stale_choice():
    if request.endpoint == "generation.new" and request.method == "GET":
        pending_id = session.pop("pending_generation", None)
        if isinstance(pending_id, int) and current_user.is_authenticated:
            precheck.take(current_user, pending_id)


@bp.route("/jobs/<int:job_id>/chosen-face.jpg")
@login_required
def chosen_face(job_id: int):
    """The face of the source photo this request uses, cropped with a margin (for the job and review pages)."""
    import io

    from flask import abort, send_file

    from models.media import read_image
    from portal.authz import get_job_for
    from portal.reports.summary import jpeg

    job = get_job_for(current_user, job_id)
    box, source = (job.params or {}).get("source_face_box"), job.artifact("source_photo")
    if job.kind != "generation" or not box or source is None:
        abort(404)
    path = app_storage().path(source.storage_key)
    if not path.is_file():
        abort(410, description="The source photo is no longer stored.")
    rgb = read_image(path)
    x1, y1, x2, y2 = (float(v) for v in box[:4])
    pad = 0.25 * max(x2 - x1, y2 - y1)
    h, w = rgb.shape[:2]
    crop = rgb[max(0, int(y1 - pad)):min(h, int(y2 + pad)), max(0, int(x1 - pad)):min(w, int(x2 + pad))]
    if crop.size == 0:
        abort(404)
    return send_file(io.BytesIO(jpeg(crop)), mimetype="image/jpeg", max_age=0)
