"""The whole workflow through the API, on the same services as the pages: a generation request with consent, a
supervisor's review, the worker's swap, the audited download and the audit export; ensembles; rerun; token scopes."""

import io
import time

import pytest

from tests.api.conftest import bearer, make_token
from tests.portal.test_generation import jpeg, small_target  # noqa: F401  (fixture)

API = "/api/v1"


@pytest.fixture()
def person(browser, users):
    """person(role) -> (client, token, user_id): signed in once, to make a token on the tokens page."""

    def make(role: str):
        user_id, email, password = users(role)
        b = browser()
        b.login(email, password)
        return b.client, make_token(b), user_id

    return make


@pytest.fixture()
def conforms(app):
    """conforms(method, path template, response): the real answer matches the OpenAPI document (schemathesis)."""
    import schemathesis

    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app)

    def check(method: str, path: str, response):
        schema[path][method].validate_response(response)  # raises with every mismatch
        return response

    return check


@pytest.fixture(scope="session")
def one_face():
    from tests.videofactory import one_face_photo

    return jpeg(one_face_photo())


def request_generation(client, token, photo: bytes, target, **extra):
    data = {"source": (io.BytesIO(photo), "Source photo.jpg"),
            "target": (io.BytesIO(open(target, "rb").read()), "Seminar clip.mp4"),
            "swapper": "classical", "faces": "largest", "purpose": "Consented demo for the lab seminar",
            "consent_subject": "Person A", "consent": "true", **extra}
    return client.post(f"{API}/jobs/generation", data=data, headers=bearer(token), content_type="multipart/form-data")


def wait(client, token, job_id, until=("succeeded", "failed", "canceled", "rejected"), timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"{API}/jobs/{job_id}", headers=bearer(token)).get_json()
        if job["status"] in until:
            return job
        time.sleep(0.5)
    pytest.fail(f"job {job_id} stayed {job['status']} ({job['stage']})")


def test_request_review_generate_download_audit(app, worker, person, one_face, small_target, conforms):  # noqa: F811
    client, member, member_id = person("member")
    _, supervisor, _ = person("supervisor")
    evidence = b"%PDF-1.4\n% signed consent form\n"
    r = request_generation(client, member, one_face, small_target, evidence=(io.BytesIO(evidence), "consent.pdf"))
    assert r.status_code == 201, r.get_data(as_text=True)
    conforms("POST", "/jobs/generation", r)
    job = r.get_json()
    assert job["status"] == "pending_review" and job["owner_id"] == member_id
    assert job["consent"]["subject"] == "Person A" and "agreed" in job["consent"]["attestation"]
    assert job["consent"]["evidence_artifact_id"] in [a["id"] for a in job["artifacts"]]
    assert {a["role"]: a["original_name"] for a in job["artifacts"]}["target_video"] == "Seminar clip.mp4"
    assert len(job["params"]["source_face_box"]) >= 4 and job["input_name"] == "Seminar clip.mp4"

    assert client.post(f"{API}/jobs/{job['id']}/review", json={"decision": "approve"},
                       headers=bearer(member)).status_code == 403  # a member token cannot review
    assert client.get(f"{API}/review", headers=bearer(member)).status_code == 403
    queue = conforms("GET", "/review", client.get(f"{API}/review", headers=bearer(supervisor)))
    assert job["id"] in [j["id"] for j in queue.get_json()["jobs"]]
    r = client.post(f"{API}/jobs/{job['id']}/review", json={"decision": "approve", "reason": "consent on file"},
                    headers=bearer(supervisor))
    assert r.status_code == 200 and r.get_json()["status"] in ("queued", "running", "succeeded")
    conforms("POST", "/jobs/{job_id}/review", r)
    assert r.get_json()["reviews"][0]["decision"] == "approved"

    done = wait(client, member, job["id"])
    assert done["status"] == "succeeded", done["error"]
    conforms("GET", "/jobs/{job_id}", client.get(f"{API}/jobs/{job['id']}", headers=bearer(member)))
    video = next(a for a in done["artifacts"] if a["role"] == "output_video")
    got = client.get(video["url"], headers=bearer(member))
    assert got.status_code == 200 and got.headers["Content-Type"] == "video/mp4" and len(got.data) == video["size"]

    events = conforms("GET", "/audit", client.get(f"{API}/audit?action=file.download", headers=bearer(supervisor)))
    events = events.get_json()["events"]
    mine = [e for e in events if e["object"] == "artifact" and e["object_id"] == video["id"]]
    assert len(mine) == 1 and mine[0]["details"]["via"] == "api"  # audited once, by the one download function
    actions = {e["action"] for e in client.get(f"{API}/audit?action=generation&per_page=100",
                                               headers=bearer(supervisor)).get_json()["events"]}
    assert {"generation.request", "generation.approve"} <= actions


def test_reject_needs_a_reason_and_no_one_reviews_their_own(app, person, one_face, small_target):  # noqa: F811
    client, member, _ = person("member")
    _, supervisor, _ = person("supervisor")
    job_id = request_generation(client, member, one_face, small_target).get_json()["id"]
    for body in ({"decision": "reject"}, {"decision": "reject", "reason": "   "}, {"decision": "maybe"}, {}):
        r = client.post(f"{API}/jobs/{job_id}/review", json=body, headers=bearer(supervisor))
        assert r.status_code == 400 and r.get_json()["fields"], body
    r = client.post(f"{API}/jobs/{job_id}/review", json={"decision": "reject", "reason": "no consent form"},
                    headers=bearer(supervisor))
    assert r.status_code == 200 and r.get_json()["status"] == "rejected"
    assert r.get_json()["reviews"][0]["reason"] == "no consent form"
    assert client.post(f"{API}/jobs/{job_id}/review", json={"decision": "approve"},
                       headers=bearer(supervisor)).status_code == 409  # decided already

    own = request_generation(client, supervisor, one_face, small_target).get_json()["id"]
    r = client.post(f"{API}/jobs/{own}/review", json={"decision": "approve"}, headers=bearer(supervisor))
    assert r.status_code == 403 and "own request" in r.get_json()["error"]
    _, other_member, _ = person("member")
    assert client.post(f"{API}/jobs/{own}/review", json={"decision": "approve"},
                       headers=bearer(other_member)).status_code == 404  # not theirs to see
    assert client.get(f"{API}/jobs/{own}", headers=bearer(supervisor)).get_json()["status"] == "pending_review"


@pytest.mark.parametrize("change,field", [({"consent": "false"}, "consent"), ({"consent": None}, "consent"),
                                          ({"purpose": "short"}, "purpose"), ({"swapper": "nope"}, "swapper"),
                                          ({"faces": "reference"}, None)])
def test_generation_requests_are_checked_like_the_page(person, one_face, small_target, change, field):  # noqa: F811
    client, member, _ = person("member")
    extra = {k: v for k, v in change.items() if v is not None}
    data_without = [k for k, v in change.items() if v is None]
    if data_without:
        r = client.post(f"{API}/jobs/generation", headers=bearer(member), content_type="multipart/form-data",
                        data={"source": (io.BytesIO(one_face), "s.jpg"),
                              "target": (io.BytesIO(open(small_target, "rb").read()), "t.mp4"), "swapper": "classical",
                              "purpose": "Consented demo for the lab seminar", "consent_subject": "Person A"})
    else:
        r = request_generation(client, member, one_face, small_target, **extra)
    assert r.status_code == 400, r.get_data(as_text=True)
    assert field is None or field in r.get_json()["fields"]


def test_a_photo_with_several_faces_needs_a_choice(person, small_target):  # noqa: F811
    from tests.videofactory import real_photo

    client, member, _ = person("member")
    group = jpeg(real_photo("t1"))
    r = request_generation(client, member, group, small_target)
    assert r.status_code == 400 and "source_face" in r.get_json()["fields"]
    faces = r.get_json()["faces"]
    assert len(faces) > 1
    r = request_generation(client, member, group, small_target, source_face="2")
    assert r.status_code == 201, r.get_data(as_text=True)
    assert [round(v, 1) for v in r.get_json()["params"]["source_face_box"]] == faces[1]
    r = request_generation(client, member, group, small_target, source_face=str(len(faces) + 1))
    assert r.status_code == 400


def test_audit_export_is_for_supervisors_and_admins(person):
    client, member, _ = person("member")
    for query in ("", "?format=csv", "?format=json&action=file"):
        assert client.get(f"{API}/audit{query}", headers=bearer(member)).status_code == 403
    _, supervisor, _ = person("supervisor")
    r = client.get(f"{API}/audit?format=csv&action=api_token", headers=bearer(supervisor))
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    lines = r.get_data(as_text=True).splitlines()
    assert lines[0].startswith("id,time_utc,actor,action") and all(",api_token." in line for line in lines[1:])
    page = client.get(f"{API}/audit?per_page=5", headers=bearer(supervisor)).get_json()
    assert page["events"][0]["action"] == "audit.export" and len(page["events"]) <= 5  # the export is audited
    assert client.get(f"{API}/audit?format=xml", headers=bearer(supervisor)).status_code == 400


def test_ensemble_keeps_every_member_and_the_file_name(app, worker, person, face_video, conforms):
    client, member, _ = person("member")
    r = client.post(f"{API}/jobs/detection", headers=bearer(member), content_type="multipart/form-data",
                    data={"video": (io.BytesIO(face_video.read_bytes()), "My Holiday (2).mp4"),
                          "detector": "sbi_mobilenet_v2", "ensemble": "blend_consistency", "frames": "8"})
    assert r.status_code == 201, r.get_data(as_text=True)
    job = r.get_json()
    assert job["detectors"] == ["sbi_mobilenet_v2", "blend_consistency"] == job["params"]["detectors"]
    assert job["input_name"] == "My Holiday (2).mp4"
    listed = client.get(f"{API}/jobs?mine=1&kind=detection", headers=bearer(member)).get_json()["jobs"]
    assert listed[0]["id"] == job["id"] and listed[0]["detectors"] == job["detectors"]
    done = wait(client, member, job["id"])
    assert done["status"] == "succeeded", done["error"]
    conforms("GET", "/jobs/{job_id}", client.get(f"{API}/jobs/{job['id']}", headers=bearer(member)))
    models = done["result"]["models"]
    assert [m["model"] for m in models] == ["sbi_mobilenet_v2", "blend_consistency"]
    assert all(m["fake_probability"] is not None for m in models)
    assert "comparison_plot" in {a["role"] for a in done["artifacts"]}


def test_empty_ensemble_and_several_files(person, face_video, blank_video, conforms):
    client, member, _ = person("member")
    files = [(io.BytesIO(face_video.read_bytes()), "a.mp4"), (io.BytesIO(blank_video.read_bytes()), "b.mp4")]
    r = client.post(f"{API}/jobs/detection", headers=bearer(member), content_type="multipart/form-data",
                    data={"video": files, "detector": "sbi_mobilenet_v2", "ensemble": ""})
    assert r.status_code == 201, r.get_data(as_text=True)
    batch = conforms("POST", "/jobs/detection", r).get_json()
    assert len(batch["jobs"]) == 2 and batch["batch"] and batch["refused"] is None
    assert all(j["detectors"] == ["sbi_mobilenet_v2"] for j in batch["jobs"])  # "ensemble=" asks for none
    assert [j["input_name"] for j in batch["jobs"]] == ["a.mp4", "b.mp4"]
    listed = client.get(f"{API}/jobs?batch={batch['batch']}", headers=bearer(member)).get_json()
    assert listed["total"] == 2
    for j in batch["jobs"]:
        client.post(f"{API}/jobs/{j['id']}/cancel", headers=bearer(member))


def test_cancel_then_run_again(person, face_video):
    client, member, _ = person("member")
    r = client.post(f"{API}/jobs/detection", headers=bearer(member), content_type="multipart/form-data",
                    data={"video": (io.BytesIO(face_video.read_bytes()), "clip.mp4"), "detector": "sbi_mobilenet_v2"})
    job_id = r.get_json()["id"]
    client.post(f"{API}/jobs/{job_id}/cancel", headers=bearer(member))
    job = wait(client, member, job_id, timeout=120)
    if job["status"] != "canceled":
        pytest.skip("the worker finished the job before the cancel")
    _, other, _ = person("member")
    assert client.post(f"{API}/jobs/{job_id}/rerun", headers=bearer(other)).status_code == 404
    r = client.post(f"{API}/jobs/{job_id}/rerun", headers=bearer(member))
    assert r.status_code == 200 and r.get_json()["status"] in ("queued", "running", "succeeded")
    client.post(f"{API}/jobs/{job_id}/cancel", headers=bearer(member))
    assert client.post(f"{API}/jobs/{job_id}/rerun", headers=bearer(member)).status_code in (200, 409)


def test_token_scopes_and_roles(app, person, conforms):
    client, supervisor, supervisor_id = person("supervisor")
    assert client.get(f"{API}/me", headers=bearer(supervisor)).get_json()["scope"] == "full"
    r = client.post(f"{API}/tokens", json={"name": "dashboard", "scope": "read", "expires_days": 7},
                    headers=bearer(supervisor))
    assert r.status_code == 201 and r.headers["Cache-Control"] == "no-store"
    read = conforms("POST", "/tokens", r).get_json()["token"]
    assert conforms("GET", "/me", client.get(f"{API}/me", headers=bearer(read))).get_json()["scope"] == "read"
    assert client.get(f"{API}/review", headers=bearer(read)).status_code == 200
    assert client.get(f"{API}/audit?format=csv", headers=bearer(read)).status_code == 200
    for path, body in ((f"{API}/tokens", {"name": "wider", "scope": "full"}), (f"{API}/jobs/1/review", {}),
                       (f"{API}/jobs/1/cancel", None)):
        r = client.post(path, json=body, headers=bearer(read))
        assert r.status_code == 403 and "read-only" in r.get_json()["error"], path
    for body in ({"name": ""}, {"name": "  "}, {"name": "x", "scope": "admin"}, {"name": "x", "expires_days": 0},
                 {"name": "x", "expires_days": "soon"}, []):
        assert client.post(f"{API}/tokens", json=body, headers=bearer(supervisor)).status_code == 400

    from portal.db import User
    from portal.extensions import db

    with app.app_context():  # a token has its owner's role as it is now: demoted, it reviews no more
        db.session.get(User, supervisor_id).role = "member"
        db.session.commit()
    assert client.get(f"{API}/me", headers=bearer(supervisor)).get_json()["role"] == "member"
    assert client.get(f"{API}/review", headers=bearer(supervisor)).status_code == 403
    assert client.get(f"{API}/audit", headers=bearer(read)).status_code == 403
