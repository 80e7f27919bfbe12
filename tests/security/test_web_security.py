"""CSRF, cookies, security headers, sign-in rate limits (failing open without Redis), admin upload limit."""

import io
import re

import pytest

from tests.portal.helpers import Browser


def test_every_form_post_without_a_csrf_token_is_refused(app, as_role):
    b, _, _ = as_role("admin")
    posts = [r.rule for r in app.url_map.iter_rules() if "POST" in r.methods and not r.rule.startswith("/api/")]
    assert len(posts) >= 8
    for rule in posts:
        url = re.sub(r"<int:\w+>", "1", rule)
        r = b.client.post(url, data={"email": "x@y.z", "password": "p", "name": "n", "reason": "r"})
        assert r.status_code in (400, 404), (url, r.status_code)
        if r.status_code == 400:
            assert "form expired" in r.get_data(as_text=True), url
    assert b.get("/jobs").status_code == 200  # still signed in: the logout POST was refused too


def test_session_cookie_is_httponly_and_samesite(app, users):
    _, email, password = users("member")
    b = Browser(app.test_client())
    r = b.login(email, password)
    cookie = next(v for k, v in r.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_cookies_are_secure_behind_https(backend, users):
    from portal import create_app

    https = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                        "SQLALCHEMY_DATABASE_URI": backend["DATABASE_URL"],
                        "REDIS_URL": backend["REDIS_URL"], "SESSION_COOKIE_SECURE": True,
                        "STORAGE_DIR": backend["STORAGE_DIR"]})
    _, email, password = users("member")
    b = Browser(https.test_client())
    r = b.login(email, password)
    cookie = next(v for k, v in r.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert "max-age" in b.get("/jobs").headers["Strict-Transport-Security"]


@pytest.mark.parametrize("url", ["/login", "/jobs", "/detect", "/account/tokens/", "/api/v1/openapi.json",
                                 "/api/v1/jobs", "/nothing-here"])
def test_security_headers(as_role, url):
    b, _, _ = as_role("member")
    r = b.get(url)
    csp = r.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    if r.mimetype == "text/html":  # no inline scripts or handlers that the CSP would have to allow
        html = r.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) and not re.search(r"\son\w+=", html)


def test_sign_in_is_rate_limited_per_ip_and_email(app, users):
    _, email, password = users("member")
    b = Browser(app.test_client())
    codes = [b.client.post("/login", data={"email": email, "password": "wrong", "csrf_token": b.token()},
                           environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code for _ in range(12)]
    assert codes[:10] == [200] * 10 and codes[10:] == [429, 429]
    blocked = b.client.post("/login", data={"email": email, "password": password, "csrf_token": b.token()},
                            environ_base={"REMOTE_ADDR": "10.9.8.7"})  # even the right password, for a minute
    assert blocked.status_code == 429 and "Too many attempts" in blocked.get_data(as_text=True)
    other_ip = b.client.post("/login", data={"email": email, "password": password, "csrf_token": b.token()},
                             environ_base={"REMOTE_ADDR": "10.9.8.8"})
    assert other_ip.status_code == 302  # another address (or another email) is not blocked


def test_rate_limiter_fails_open_when_redis_is_down(backend, users, caplog):
    from portal import create_app

    down = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": backend["DATABASE_URL"],
                       "REDIS_URL": "redis://127.0.0.1:1/0", "STORAGE_DIR": backend["STORAGE_DIR"]})
    _, email, password = users("member")
    b = Browser(down.test_client())
    assert b.login(email, password).status_code == 302
    assert b.get("/jobs").status_code == 200


def test_admin_upload_limit_applies(app, as_role, face_video):
    admin, _, _ = as_role("admin")
    page = admin.get("/admin/settings").get_data(as_text=True)
    assert "max_upload_mb" in page and "max_running_per_user" in page
    form = {"max_queued_per_user": 20, "max_running_per_user": 2, "max_upload_mb": 1}
    assert admin.post("/admin/settings", form, token_page="/admin/settings").status_code == 302
    try:
        member, _, _ = as_role("member")
        big = io.BytesIO(b"\x00" * (1024 * 1024 + 10))
        r = member.post("/detect", {"video": (big, "big.mp4"), "detector": "sbi_mobilenet_v2", "frames": 8},
                        token_page="/detect", content_type="multipart/form-data")
        assert r.status_code == 413 and "1 MB" in r.get_data(as_text=True)
    finally:
        form["max_upload_mb"] = 0
        assert admin.post("/admin/settings", form, token_page="/admin/settings").status_code == 302
    assert "value=\"0\"" in admin.get("/admin/settings").get_data(as_text=True)
