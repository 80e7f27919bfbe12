"""Accounts: sign in and out, passwords, CSRF, registration switch, disabled accounts."""

from sqlalchemy import select


def test_sign_in_and_out(browser, users):
    _, email, password = users("member")
    b = browser()
    assert b.get("/jobs").status_code == 302  # signed out: to the login page
    r = b.login(email, password)
    assert r.status_code == 302 and r.headers["Location"].endswith("/jobs")
    assert b.get("/jobs").status_code == 200
    r = b.post("/logout", token_page="/jobs")
    assert r.status_code == 302
    assert b.get("/jobs").status_code == 302


def test_wrong_password_is_refused(browser, users):
    _, email, _ = users("member")
    b = browser()
    r = b.login(email, "wrong password 1")
    assert r.status_code == 200 and "Wrong email or password" in r.get_data(as_text=True)
    assert b.get("/jobs").status_code == 302


def test_passwords_are_hashed(app, users):
    from portal.db import User
    from portal.extensions import db

    user_id, _, password = users("member")
    with app.app_context():
        stored = db.session.get(User, user_id).password_hash
    assert password not in stored and stored.startswith("scrypt:")


def test_login_without_csrf_token_is_refused(browser, users):
    _, email, password = users("member")
    b = browser()
    r = b.client.post("/login", data={"email": email, "password": password})
    assert r.status_code == 400 and "form expired" in r.get_data(as_text=True)


def test_open_redirect_after_login_is_ignored(browser, users):
    _, email, password = users("member")
    b = browser()
    token = b.token()
    r = b.client.post("/login?next=https://evil.example/", data={"email": email, "password": password,
                                                                "csrf_token": token})
    assert r.headers["Location"] == "/jobs"


def test_change_password(browser, users):
    _, email, password = users("member")
    b = browser()
    b.login(email, password)
    r = b.post("/account/password", {"current": password, "new": "a new secret 99", "confirm": "a new secret 99"})
    assert r.status_code == 302
    b2 = browser()
    assert b2.login(email, password).status_code == 200  # old one refused
    assert b2.login(email, "a new secret 99").status_code == 302


def test_weak_new_password_is_refused(browser, users):
    _, email, password = users("member")
    b = browser()
    b.login(email, password)
    r = b.post("/account/password", {"current": password, "new": "short", "confirm": "short"})
    assert "at least 10 characters" in r.get_data(as_text=True)


def test_disabled_account_cannot_sign_in_and_loses_its_session(app, browser, users):
    from portal.accounts import users as accounts
    from portal.db import User
    from portal.extensions import db

    user_id, email, password = users("member")
    b = browser()
    b.login(email, password)
    with app.app_context():
        accounts.set_active(db.session.get(User, user_id), False)
        db.session.commit()
    assert b.get("/jobs").status_code == 302  # the existing session no longer works
    assert browser().login(email, password).status_code == 200


def test_registration_is_off_until_an_admin_turns_it_on(app, browser, users):
    from portal.db import User
    from portal.extensions import db

    b = browser()
    assert b.get("/register").status_code == 404
    _, admin_email, admin_pw = users("admin")
    admin = browser()
    admin.login(admin_email, admin_pw)
    admin.post("/admin/settings", {"allow_registration": "y"}, token_page="/admin/settings")
    try:
        r = b.post("/register", {"name": "New Person", "email": "newbie@lab.test", "password": "welcome to 2026"},
                   token_page="/register")
        assert r.status_code == 302
        with app.app_context():
            user = db.session.execute(select(User).where(User.email == "newbie@lab.test")).scalar_one()
            assert user.role == "member"
    finally:
        admin.post("/admin/settings", {}, token_page="/admin/settings")
    assert browser().get("/register").status_code == 404
