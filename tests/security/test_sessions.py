"""Sessions end on the server: logout, password change and an admin end them; replayed cookies get the sign-in page.
Sign-in gives away nothing: same time for known and unknown emails, a per-IP limit across emails, a bounded audit
trail of failures, a fresh CSRF secret after sign-in, CSRF tokens that expire, a neutral registration refusal."""

import uuid

from tests.portal.helpers import Browser


def _cookie(b: Browser) -> str:
    return b.client.get_cookie("session").value


def _replay(app, cookie: str) -> Browser:
    b = Browser(app.test_client())
    b.client.set_cookie("session", cookie)
    return b


def _signed_in(app, email, password) -> Browser:
    b = Browser(app.test_client())
    assert b.login(email, password).status_code == 302
    return b


def test_a_cookie_saved_before_logout_no_longer_works(app, users):
    _, email, password = users("member")
    b = _signed_in(app, email, password)
    saved = _cookie(b)
    assert _replay(app, saved).get("/jobs").status_code == 200
    assert b.post("/logout", token_page="/jobs").status_code == 302
    for url in ("/jobs", "/account/tokens/"):
        r = _replay(app, saved).get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"], url


def test_a_password_change_ends_the_other_sessions_and_can_revoke_tokens(app, users):
    from portal.accounts import tokens as api_tokens
    from portal.db import User
    from portal.extensions import db

    user_id, email, password = users("member")
    a, b = _signed_in(app, email, password), _signed_in(app, email, password)
    saved = _cookie(b)
    with app.app_context():
        token = api_tokens.create(db.session.get(User, user_id), "script")
        db.session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    assert a.get("/api/v1/me", headers=bearer).status_code == 200
    r = a.post("/account/password", {"current": password, "new": "a new secret 99", "confirm": "a new secret 99",
                                     "revoke_tokens": "y"})
    assert r.status_code == 302
    assert a.get("/jobs").status_code == 200  # the session that changed it goes on
    assert b.get("/jobs").status_code == 302 and _replay(app, saved).get("/jobs").status_code == 302
    assert a.get("/api/v1/me", headers=bearer).status_code == 401


def test_an_admin_can_end_a_users_sessions(app, users):
    user_id, email, password = users("member")
    _, admin_email, admin_password = users("admin")
    member, admin = _signed_in(app, email, password), _signed_in(app, admin_email, admin_password)
    assert member.get("/jobs").status_code == 200
    r = admin.post(f"/admin/users/{user_id}/end-sessions", token_page="/admin/users")
    assert r.status_code == 302
    assert member.get("/jobs").status_code == 302
    assert admin.get("/jobs").status_code == 200


def test_api_tokens_can_expire(app, users):
    from datetime import timedelta

    from portal.db import ApiToken, utcnow
    from portal.extensions import db

    _, email, password = users("member")
    b = _signed_in(app, email, password)
    r = b.post("/account/tokens/", {"name": "short-lived", "expires_days": "1"}, token_page="/account/tokens/")
    assert r.status_code == 200
    token = r.get_data(as_text=True).split('id="token-value">', 1)[1].split("<", 1)[0]
    bearer = {"Authorization": f"Bearer {token}"}
    assert b.get("/api/v1/me", headers=bearer).status_code == 200
    with app.app_context():
        row = db.session.query(ApiToken).filter_by(prefix=token[:12]).one()
        assert row.expires_at is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert b.get("/api/v1/me", headers=bearer).status_code == 401


def test_the_token_page_is_never_cached(app, users):
    _, email, password = users("member")
    r = _signed_in(app, email, password).get("/account/tokens/")
    assert "no-store" in r.headers.get("Cache-Control", "")


def test_the_csrf_secret_changes_at_sign_in(app, users):
    _, email, password = users("member")
    b = Browser(app.test_client())
    before = b.token("/login")
    assert b.client.post("/login", data={"email": email, "password": password, "csrf_token": before}).status_code == 302
    r = b.client.post("/logout", data={"csrf_token": before})  # a token from before sign-in
    assert r.status_code == 400 and "form expired" in r.get_data(as_text=True)
    assert b.get("/jobs").status_code == 200


def test_csrf_tokens_expire(app, users, monkeypatch):
    import itsdangerous.timed

    _, email, password = users("member")
    b = _signed_in(app, email, password)
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",  # CSRF tokens only, not the cookie
                        lambda self: real(self) - (86400 if "csrf" in str(self.salt) else 0))
    old = b.token("/jobs")  # a token made a day ago
    monkeypatch.undo()
    r = b.client.post("/logout", data={"csrf_token": old})
    assert r.status_code == 400 and "form expired" in r.get_data(as_text=True)
    assert app.config["WTF_CSRF_TIME_LIMIT"]


def _hash_checks(b: Browser, token: str, email: str, ip: str, monkeypatch) -> list[str]:
    """The password-hash verifications one failed sign-in performs: the method and cost of each hash checked."""
    from portal.accounts import passwords

    seen, real = [], passwords.check_password_hash
    with monkeypatch.context() as m:
        m.setattr(passwords, "check_password_hash", lambda h, p: seen.append(h.split("$")[0]) or real(h, p))
        r = b.client.post("/login", data={"email": email, "password": "not the password 1", "csrf_token": token},
                          environ_base={"REMOTE_ADDR": ip})
    assert r.status_code == 200
    return seen


def test_sign_in_does_the_same_work_for_an_unknown_email(app, users, monkeypatch):
    """No timing: an unknown email costs one hash check of the same method and cost as a known one, so the
    answer's time tells nothing (bench figures belong in bench/, not in an assertion)."""
    _, email, _ = users("member")
    b = Browser(app.test_client())
    token = b.token()
    known = _hash_checks(b, token, email, "10.20.0.1", monkeypatch)
    unknown = _hash_checks(b, token, f"nobody-{uuid.uuid4().hex[:8]}@lab.test", "10.20.0.2", monkeypatch)
    assert len(known) == len(unknown) == 1 and known == unknown, (known, unknown)


def test_one_address_is_limited_across_emails(app):
    from portal.accounts import ratelimit

    b = Browser(app.test_client())
    token = b.token()
    codes = [b.client.post("/login", data={"email": f"spray-{i}@lab.test", "password": "x", "csrf_token": token},
                           environ_base={"REMOTE_ADDR": "10.30.0.1"}).status_code
             for i in range(ratelimit.LOGIN_IP_FAILURES + 2)]
    assert codes[-1] == 429 and 429 not in codes[:ratelimit.LOGIN_IP_FAILURES], codes
    other = b.client.post("/login", data={"email": "spray-x@lab.test", "password": "x", "csrf_token": token},
                          environ_base={"REMOTE_ADDR": "10.30.0.2"})
    assert other.status_code == 200


def test_failed_sign_ins_cannot_flood_the_audit_log(app):
    from sqlalchemy import func, select

    from portal.db import AuditEvent
    from portal.extensions import db

    def failures():
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(AuditEvent)
                                     .where(AuditEvent.action == "user.login_failed", AuditEvent.ip == "10.40.0.1"))

    b = Browser(app.test_client())
    token = b.token()
    for i in range(25):
        b.client.post("/login", data={"email": f"flood-{i}@lab.test", "password": "x", "csrf_token": token},
                      environ_base={"REMOTE_ADDR": "10.40.0.1"})
    assert 1 <= failures() <= 3


def test_registration_refusal_does_not_say_the_account_exists(app, browser, users):
    _, taken, _ = users("member")
    _, admin_email, admin_pw = users("admin")
    admin = browser()
    admin.login(admin_email, admin_pw)
    admin.post("/admin/settings", {"allow_registration": "y"}, token_page="/admin/settings")
    try:
        b = browser()
        r = b.post("/register", {"name": "Someone", "email": taken, "password": "welcome to 2026"},
                   token_page="/register")
        text = r.get_data(as_text=True)
        assert "already exists" not in text and taken not in text.split("<form", 1)[0]
    finally:
        admin.post("/admin/settings", {}, token_page="/admin/settings")
