"""The detector registry: import a ResNeXt50+LSTM checkpoint, upload one in the browser, set the default,
and the lab benchmark (command line and queued job) with metrics that agree with scikit-learn."""

import io
import json

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from tests.portal.conftest import wait_for_job


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory):
    """A checkpoint with the earlier projects' layout (random weights: for plumbing, never for a verdict claim)."""
    from models.torchnets.resnext_lstm import build_model, save_checkpoint

    path = tmp_path_factory.mktemp("ckpt") / "model_87_acc_10_frames.pt"
    return save_checkpoint(build_model(), path, sequence_length=10)


@pytest.fixture()
def admin(signed_in):
    return signed_in("admin")


def test_import_torch_registers_and_a_job_runs_it(app, worker, admin, checkpoint, face_video, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["detector", "import-torch", str(checkpoint), "--name", "resnext_lab",
                                 "--dataset", "lab set B"])
    assert result.exit_code == 0, result.output
    assert "sequence length 10" in result.output
    bad = tmp_path / "broken.pt"
    import torch

    torch.save({"model.0.weight": torch.zeros(3, 3)}, bad)
    refused = runner.invoke(args=["detector", "import-torch", str(bad)])
    assert refused.exit_code != 0 and "not a ResNeXt50+LSTM checkpoint" in refused.output
    assert "Traceback" not in refused.output

    page = admin.get("/admin/detectors/").get_data(as_text=True)
    assert "resnext_lab" in page and "lab set B" in page
    from tests.portal.test_detection import job_id_of, submit

    job_id = job_id_of(submit(admin, face_video, detector="resnext_lab"))
    status, error, res = wait_for_job(app, job_id, timeout=300)
    assert status == "succeeded", error
    assert res["model"] == "resnext_lab" and 0 <= res["fake_probability"] <= 1


def test_browser_upload_is_checked_before_it_is_enabled(app, worker, admin, checkpoint, tmp_path):
    from portal.db import DetectorModel
    from portal.extensions import db

    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint at all" * 100)
    for name, path in (("uploaded_ok", checkpoint), ("uploaded_junk", junk)):
        admin.post("/admin/detectors/upload", {"name": name, "architecture": "resnext_lstm", "dataset": "x",
                                               "file": (io.BytesIO(path.read_bytes()), "m.pt")},
                   token_page="/admin/detectors/", content_type="multipart/form-data")
    from portal.db import Job

    with app.app_context():
        checks = {j.params["detector_model"]: j.id for j in db.session.query(Job).filter_by(kind="model_check")}
        rows = {r.name: r.id for r in db.session.query(DetectorModel)}
    ok = wait_for_job(app, checks[rows["uploaded_ok"]], timeout=200)
    bad = wait_for_job(app, checks[rows["uploaded_junk"]], timeout=200)
    assert ok[0] == "succeeded" and bad[0] == "failed" and bad[1]
    with app.app_context():
        assert db.session.get(DetectorModel, rows["uploaded_ok"]).active
        assert not db.session.get(DetectorModel, rows["uploaded_junk"]).active


def test_default_detector_and_access(app, admin, browser, users):
    from portal.db import DetectorModel
    from portal.extensions import db

    with app.app_context():
        if not db.session.query(DetectorModel).filter_by(name="resnext_default_test").one_or_none():
            db.session.add(DetectorModel(name="resnext_default_test", architecture="resnext_lstm",
                                         weights_key="0" * 64, active=True))
            db.session.commit()
        row_id = db.session.query(DetectorModel).filter_by(name="resnext_default_test").one().id
    admin.post(f"/admin/detectors/{row_id}/default", token_page="/admin/detectors/")
    with app.app_context():
        assert db.session.get(DetectorModel, row_id).is_default
        db.session.get(DetectorModel, row_id).active = False  # its file is not real: keep it out of other tests
        db.session.get(DetectorModel, row_id).is_default = False
        db.session.commit()
    _, email, password = users("member")
    member = browser()
    member.login(email, password)
    assert member.get("/admin/detectors/").status_code == 403
    assert member.post("/admin/detectors/benchmark", token_page="/jobs").status_code == 403


def _planted(path, media_dir):
    """A copy of a face video whose faces were shrunk and blown up again (the classic swap artefact)."""
    import av
    import cv2

    from tests.videofactory import write_video

    frames = []
    with av.open(str(path)) as c:
        for f in c.decode(video=0):
            rgb = f.to_ndarray(format="rgb24")
            small = cv2.resize(rgb, (rgb.shape[1] // 3, rgb.shape[0] // 3), interpolation=cv2.INTER_AREA)
            frames.append(cv2.resize(small, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_LINEAR))
    return write_video(media_dir / f"planted-{path.name}", frames, fps=10)


@pytest.fixture(scope="session")
def bench_set(media_dir):
    from tests.videofactory import face_video

    root = media_dir / "bench"
    (root / "real").mkdir(parents=True)
    (root / "fake").mkdir()
    for i, size in enumerate([(480, 270), (560, 316)]):
        real = face_video(root / "real" / f"r{i}.mp4", seconds=0.8, fps=10, size=size, audio=False)
        _planted(real, media_dir).rename(root / "fake" / f"f{i}.mp4")
    return root


def test_benchmark_command_stores_metrics_that_sklearn_agrees_with(app, admin, bench_set):
    result = app.test_cli_runner().invoke(args=["detector", "benchmark", "--real", str(bench_set / "real"),
                                                "--fake", str(bench_set / "fake"), "--model", "blend_consistency",
                                                "--model", "sbi_mobilenet_v2", "--frames", "4"])
    assert result.exit_code == 0, result.output
    assert "ensemble(blend_consistency + sbi_mobilenet_v2)" in result.output
    job_id = int(result.output.strip().rsplit(" ", 1)[1])
    from portal.db import Job
    from portal.extensions import db

    with app.app_context():
        job = db.session.get(Job, job_id)
        report = json.loads(admin.get(f"/files/{job.artifact('report_json').id}").data)
    labels = [v["label"] for v in report["videos"]]
    for m in report["models"]:
        assert m["metrics"]["auc"] == pytest.approx(roc_auc_score(labels, m["scores"]))
        low, high = m["metrics"]["auc_ci95"]
        assert low <= m["metrics"]["auc"] <= high
    ensemble = report["models"][-1]["scores"]
    assert ensemble == pytest.approx(np.mean([m["scores"] for m in report["models"][:2]], axis=0))
    assert "Benchmark on" in admin.get(f"/jobs/{job_id}").get_data(as_text=True)


def test_benchmark_job_on_the_portals_own_generated_videos(app, worker, admin, bench_set):
    """The built-in set: outputs of generation jobs (fakes) against their targets (reals), as a queued job."""
    from portal.db import Artifact, Job, User
    from portal.extensions import db
    from portal.storage import Storage

    storage = Storage(app.config["STORAGE_DIR"])
    with app.app_context():
        owner = db.session.query(User).filter_by(role="admin").first()
        for i in range(2):
            job = Job(owner=owner, kind="generation", status="succeeded", params={"purpose": "benchmark test"})
            db.session.add(job)
            for role, path in (("target_video", bench_set / "real" / f"r{i}.mp4"),
                               ("output_video", bench_set / "fake" / f"f{i}.mp4")):
                key, size = storage.put_file(path)
                db.session.add(Artifact(job=job, role=role, sha256=key, size=size, media_type="video/mp4",
                                        storage_key=key))
        db.session.commit()
    r = admin.post("/admin/detectors/benchmark",
                   {"set_name": "generated", "models": ["blend_consistency"], "frames": "4"},
                   token_page="/admin/detectors/")
    job_id = int(r.headers["Location"].rsplit("/", 1)[1])
    status, error, result = wait_for_job(app, job_id, timeout=300)
    assert status == "succeeded", error
    assert result["set"] == "generated" and result["videos"] >= 4
    assert 0.0 <= result["models"][0]["auc"] <= 1.0
    assert f"#{job_id}" in admin.get("/admin/detectors/").get_data(as_text=True)
