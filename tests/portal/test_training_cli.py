"""`flask detector train / evaluate` register a lab model with its metrics, and a detection job can use it."""

import json

import pytest

from tests.portal.conftest import wait_for_job


@pytest.fixture(scope="session")
def tiny_dataset(media_dir):
    """real/ and fake/ folders of 160x120 clips of real faces; fakes carry a blurred face region."""
    import cv2

    from tests.videofactory import face_video, real_photo, write_video

    root = media_dir / "tiny-dataset"
    (root / "real").mkdir(parents=True)
    (root / "fake").mkdir()
    photo = real_photo("t1")
    for i in range(6):
        crop = photo[150 + 20 * i: 500 + 20 * i, 120 * i: 120 * i + 470]
        real = face_video(root / "real" / f"r{i}.mp4", seconds=0.8, fps=10, size=(160, 120), photo=crop, audio=False)
        import av

        with av.open(str(real)) as c:
            frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
        blurred = [cv2.resize(cv2.resize(f, (20, 15)), (160, 120)) * 0.5 + f * 0.5 for f in frames]
        write_video(root / "fake" / f"f{i}.mp4", [b.astype("uint8") for b in blurred], fps=10)
    return root


def test_train_then_evaluate_then_detect(app, worker, browser, users, tiny_dataset, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["detector", "train", str(tiny_dataset), "--preset", "densenet169_gru",
                                 "--backbone", "small_cnn", "--frames", "6", "--epochs", "8", "--name", "tiny_gru",
                                 "--face-finder", "mtcnn", "--allow-random-backbone", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output[result.output.index("{"):])
    assert out["registered"] == "tiny_gru" and "auc" in out["metrics"] or "accuracy" in out["metrics"]
    model_file = out["files"]["model"]
    evaluated = runner.invoke(args=["detector", "evaluate", model_file, str(tiny_dataset), "--name", "tiny_gru",
                                    "--face-finder", "mtcnn", "--out", str(tmp_path)])
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.output[evaluated.output.index("{"):])["metrics"]["n"] == 12

    _, email, password = users("member")
    member = browser()
    member.login(email, password)
    from tests.portal.test_detection import job_id_of, submit

    job_id = job_id_of(submit(member, tiny_dataset / "real" / "r0.mp4", detector="tiny_gru"))
    status, error, res = wait_for_job(app, job_id, timeout=300)
    assert status == "succeeded", error
    assert res["model"] == "tiny_gru" and res["frames_scored"] >= 1


def test_training_refuses_random_features_without_the_flag(app, tiny_dataset, tmp_path):
    result = app.test_cli_runner().invoke(args=["detector", "train", str(tiny_dataset), "--preset",
                                                "densenet169_gru", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "random" in result.output and "Traceback" not in result.output
