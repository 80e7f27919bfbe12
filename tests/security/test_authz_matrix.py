"""Every route of app.url_map x every role x member A's job, file, token and account ids: nothing leaks, no 500."""

import re

import pytest

from tests.security.conftest import ROLES

DENIED = {401, 403, 404, 405}


def _visible(role: str, kind: str) -> bool:
    """Who may see member A's things (mirrors portal.authz): admins all, supervisors generation requests."""
    return role == "admin" or (role == "supervisor" and kind == "generation")


def _cases(app, world):
    """(method, url, kind of the thing named in the URL or None, rule) for every route and id."""
    jobs = {"detection": world["detection"], "generation": world["generation"]}
    kinds_of_files = {"source_photo": "generation"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "auth.logout"):  # signing out would end the role's session mid-matrix
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if "job_id" in rule.arguments:
                for kind, job_id in jobs.items():
                    yield method, rule.rule.replace("<int:job_id>", str(job_id)), kind, rule
            elif "artifact_id" in rule.arguments:
                for role, file_id in world["files"].items():
                    yield method, rule.rule.replace("<int:artifact_id>", str(file_id)), \
                        kinds_of_files.get(role, "detection"), rule
            elif "token_id" in rule.arguments:
                yield method, rule.rule.replace("<int:token_id>", str(world["token_id"])), "token", rule
            elif "user_id" in rule.arguments:
                yield method, rule.rule.replace("<int:user_id>", str(world["owner"][0])), "account", rule
            elif not rule.arguments:
                yield method, rule.rule + ("?mine=0" if rule.rule in ("/jobs", "/api/v1/jobs") else ""), None, rule


def _request(b, token, method, url):
    api = url.startswith("/api/")
    headers = {"Authorization": f"Bearer {token}"} if api and token else {}
    if method == "GET":
        return b.client.get(url, headers=headers)
    data = {} if api else {"csrf_token": b.token("/login")}
    return b.client.open(url, method=method, data=data, headers=headers)


@pytest.mark.parametrize("role", ROLES)
def test_no_route_leaks_another_members_things(app, world, as_role, role):
    b, token, _ = as_role(role)
    checked = 0
    for method, url, kind, rule in _cases(app, world):
        r = _request(b, token, method, url)
        body = r.get_data(as_text=True) if r.status_code != 200 or r.mimetype.startswith(("text", "application/json")) \
            else r.data.decode("latin-1")
        where = f"{role} {method} {url} -> {r.status_code}"
        assert r.status_code < 500, where
        assert world["marker"] not in body or role == "admin", where
        assert world["gen_marker"] not in body or _visible(role, "generation"), where
        if role == "anonymous":
            assert r.status_code in DENIED | {302, 400} or rule.endpoint in {"auth.login", "api.openapi"}, where
            if r.status_code == 302:
                assert "/login" in r.headers["Location"], where
        elif kind in ("detection", "generation") and not _visible(role, kind):
            assert r.status_code in DENIED, where
        elif kind in ("token",) or (kind == "account" and role != "admin"):
            assert r.status_code in DENIED, where
        checked += 1
    assert checked > 40


def test_the_owner_sees_their_own_things(app, world, browser):
    _, email, password = world["owner"]
    b = browser()
    b.login(email, password)
    page = b.get(f"/jobs/{world['detection']}")
    assert page.status_code == 200 and "FAKE" in page.get_data(as_text=True)
    for file_id in world["files"].values():
        assert b.get(f"/files/{file_id}").status_code == 200
    api = b.client.get(f"/api/v1/jobs/{world['generation']}", headers={"Authorization": f"Bearer {world['token']}"})
    assert api.status_code == 200 and api.get_json()["status"] == "pending_review"


def test_listings_show_only_ones_own_jobs(app, world, as_role):
    b, token, _ = as_role("member")
    for url in ("/jobs", "/jobs?mine=0", "/jobs?status=succeeded&kind=detection", "/review", "/audit"):
        assert world["marker"] not in b.get(url).get_data(as_text=True), url
    listing = b.client.get("/api/v1/jobs?mine=0", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert world["detection"] not in [j["id"] for j in listing["jobs"]]


def test_downloads_are_attachments_with_safe_names_and_fixed_types(app, world):
    from tests.portal.helpers import Browser

    _, email, password = world["owner"]
    b = Browser(app.test_client())
    b.login(email, password)
    for role, file_id in world["files"].items():
        r = b.get(f"/files/{file_id}")
        disposition = r.headers["Content-Disposition"]
        # named after the job and a slug of the user's file: lower-case ASCII letters, digits and hyphens only
        assert re.fullmatch(r"attachment; filename=job\d+-[a-z0-9-]+\.[a-z0-9]+", disposition), disposition
        assert ".." not in disposition and "/" not in disposition and "\r" not in disposition
        assert world["marker"] not in disposition
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.mimetype in ("application/octet-stream", "application/json", "video/mp4", "application/pdf",
                              "text/csv"), (role, r.mimetype)
    # an uploaded video plays in its job page for those who may see the job: with the media type its magic bytes
    # gave it (never one a browser runs) and nosniff
    played = b.get(f"/files/{world['files']['input_video']}/view")
    assert played.status_code == 200 and played.mimetype == "video/mp4"
    assert played.headers["X-Content-Type-Options"] == "nosniff" and "inline" in played.headers.get(
        "Content-Disposition", "inline")
    photo = b.get(f"/files/{world['files']['source_photo']}/view")  # a decoded photo may be shown to reviewers
    assert photo.status_code == 404 or photo.mimetype in ("image/png", "image/jpeg", "image/webp", "image/bmp")
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
