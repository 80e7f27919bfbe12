"""API flows with real tokens, a real worker and real weights: submit, status, list, download, cancel, refusals."""

import hashlib
import io
import re
import time

import pytest

from tests.api.conftest import bearer, make_token


def _submit(client, token, path, **fields):
    data = {"detector": "sbi_mobilenet_v2", "frames": 8, "aggregation": "mean", **fields}
    if path is not None:
        data["video"] = (io.BytesIO(path.read_bytes()), "clip.mp4")
    return client.post("/api/v1/jobs/detection", data=data, headers=bearer(token), content_type="multipart/form-data")


def _wait(client, token, job_id, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=bearer(token)).get_json()
        if job["status"] in ("succeeded", "failed", "canceled"):
            return job
        time.sleep(0.5)
    pytest.fail(f"job {job_id} stayed {job['status']}")


def test_token_is_shown_once_and_only_its_hash_is_stored(app, api_user):
    b, token, user_id = api_user
    from portal.db import ApiToken
    from portal.extensions import db

    with app.app_context():
        rows = db.session.query(ApiToken).filter_by(user_id=user_id).all()
        assert [r.token_hash for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]
        assert token not in str([(r.name, r.prefix, r.token_hash) for r in rows]) and rows[0].prefix == token[:12]
    page = b.get("/account/tokens/").get_data(as_text=True)
    assert token not in page and token[:12] in page
    assert b.client.get("/api/v1/me", headers=bearer(token)).get_json()["id"] == user_id


def test_requests_without_a_valid_token_are_refused(app, api_user):
    b, token, _ = api_user
    client = b.client  # signed in by cookie: the API still wants a token
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {token}"},
                    {"Authorization": f"Bearer {token}x"}, {"Authorization": "Bearer " + "dfl_" + "a" * 300}):
        r = client.get("/api/v1/jobs", headers=headers)
        assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
        assert r.get_json()["status"] == 401
    assert client.get("/api/v1/openapi.json").status_code == 200  # the document is public


def test_revoked_token_stops_working(app, api_user):
    b, token, _ = api_user
    from portal.db import ApiToken
    from portal.extensions import db

    with app.app_context():
        token_id = db.session.query(ApiToken).filter_by(prefix=token[:12]).one().id
    assert b.post(f"/account/tokens/{token_id}/revoke", token_page="/account/tokens/").status_code == 302
    assert b.client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert "revoked" in b.get("/account/tokens/").get_data(as_text=True)  # the flash, once
    assert f"{token[:12]}" not in b.get("/account/tokens/").get_data(as_text=True)


def test_someone_elses_token_cannot_be_revoked(api_user, browser, users):
    owner, token, _ = api_user
    from portal.db import ApiToken
    from portal.extensions import db

    with owner.client.application.app_context():
        token_id = db.session.query(ApiToken).filter_by(prefix=token[:12]).one().id
    _, email, password = users("member")
    other = browser()
    other.login(email, password)
    assert other.post(f"/account/tokens/{token_id}/revoke", token_page="/account/tokens/").status_code == 404
    assert owner.client.get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_detection_through_the_api(app, worker, api_user, browser, users, face_video):
    b, token, user_id = api_user
    client = b.client
    r = _submit(client, token, face_video)
    assert r.status_code == 201, r.get_data(as_text=True)
    job_id = r.get_json()["id"]
    assert r.headers["Location"].endswith(f"/api/v1/jobs/{job_id}")
    job = _wait(client, token, job_id)
    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["verdict"] in ("REAL", "FAKE", "INCONCLUSIVE") and job["attempts"] >= 1
    report = next(a for a in job["artifacts"] if a["role"] == "report_json")
    got = client.get(report["url"], headers=bearer(token))
    assert got.status_code == 200 and got.headers["Content-Disposition"].startswith("attachment")
    assert hashlib.sha256(got.data).hexdigest() == report["sha256"]
    listing = client.get("/api/v1/jobs?kind=detection&per_page=5", headers=bearer(token)).get_json()
    assert job_id in [j["id"] for j in listing["jobs"]]
    assert client.post(f"/api/v1/jobs/{job_id}/cancel", headers=bearer(token)).status_code == 409

    _, email, password = users("member")  # another member with a token sees nothing of it
    other = browser()
    other.login(email, password)
    other_token = make_token(other)
    assert other.client.get(f"/api/v1/jobs/{job_id}", headers=bearer(other_token)).status_code == 404
    assert other.client.get(report["url"], headers=bearer(other_token)).status_code == 404
    assert other.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=bearer(other_token)).status_code == 404
    assert job_id not in [j["id"] for j in other.client.get("/api/v1/jobs", headers=bearer(other_token))
                          .get_json()["jobs"]]


def test_cancel_a_fresh_job(app, api_user, face_video):
    b, token, _ = api_user
    job_id = _submit(b.client, token, face_video).get_json()["id"]
    r = b.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=bearer(token))
    assert r.status_code in (200, 409)
    assert r.get_json().get("status", "canceled") in ("canceled", "running", "succeeded", "failed")


@pytest.mark.parametrize("fields,path_kind,expect", [
    ({}, "none", 400),
    ({"frames": 1000}, "video", 400),
    ({"frames": "many"}, "video", 400),
    ({"aggregation": "median"}, "video", 400),
    ({"detector": "../../etc/passwd"}, "video", 400),
    ({}, "text", 400),
])
def test_bad_submissions_are_refused(api_user, face_video, tmp_path, fields, path_kind, expect):
    b, token, _ = api_user
    path = {"none": None, "video": face_video}.get(path_kind)
    if path_kind == "text":
        path = tmp_path / "notes.mp4"
        path.write_text("just some text, not a video")
    r = _submit(b.client, token, path, **fields)
    assert r.status_code == expect, r.get_data(as_text=True)
    assert r.is_json and r.get_json()["error"]


@pytest.mark.parametrize("query", ["page=0", "per_page=1000", "page=abc", "kind=nope", "status=%00"])
def test_bad_list_queries_are_400(api_user, query):
    b, token, _ = api_user
    assert b.client.get(f"/api/v1/jobs?{query}", headers=bearer(token)).status_code == 400


def test_a_read_only_token_is_made_on_the_tokens_page(app, api_user):
    b, _, _ = api_user
    page = b.get("/account/tokens/").get_data(as_text=True)
    assert 'name="scope"' in page and "read only" in page
    page = b.post("/account/tokens/", {"name": "dashboard", "scope": "read"}, token_page="/account/tokens/")
    token = re.search(r'<code id="token-value">([^<]+)</code>', page.get_data(as_text=True)).group(1)
    assert b.client.get("/api/v1/jobs", headers=bearer(token)).status_code == 200
    assert b.client.post("/api/v1/jobs/1/cancel", headers=bearer(token)).status_code == 403
    assert "<td>read</td>" in b.get("/account/tokens/").get_data(as_text=True)
