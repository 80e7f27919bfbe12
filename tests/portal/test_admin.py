"""Admins manage accounts in the browser; nobody else can."""

import re

import pytest

from portal.db import User


def _user_id(app, email):
    from portal.accounts import users as accounts

    with app.app_context():
        return accounts.find(email).id


def test_admin_creates_disables_and_reroles_in_the_browser(app, browser, users):
    _, admin_email, admin_pw = users("admin")
    b = browser()
    b.login(admin_email, admin_pw)
    r = b.post("/admin/users",
               {"name": "Dana", "email": "dana@lab.test", "password": "a long secret 7", "role": "member"},
               token_page="/admin/users")
    assert r.status_code == 302
    dana = _user_id(app, "dana@lab.test")
    b.post(f"/admin/users/{dana}", {"role": "supervisor", "active": "y"}, token_page="/admin/users")
    b.post(f"/admin/users/{dana}", {"role": "supervisor"}, token_page="/admin/users")  # unchecked: disabled
    from portal.extensions import db

    with app.app_context():
        user = db.session.get(User, dana)
        assert user.role == "supervisor" and not user.active
    page = b.get("/admin/users").get_data(as_text=True)
    assert "dana@lab.test" in page


def test_duplicate_account_is_refused(browser, users):
    _, admin_email, admin_pw = users("admin")
    _, taken, _ = users("member")
    b = browser()
    b.login(admin_email, admin_pw)
    r = b.post("/admin/users", {"name": "X", "email": taken, "password": "a long secret 7", "role": "member"},
               token_page="/admin/users")
    assert r.status_code == 400 and "already exists" in r.get_data(as_text=True)


@pytest.mark.parametrize("role", ["member", "supervisor"])
@pytest.mark.parametrize("path", ["/admin/users", "/admin/settings"])
def test_admin_pages_are_closed_to_other_roles(browser, users, role, path):
    _, email, password = users(role)
    b = browser()
    b.login(email, password)
    assert b.get(path).status_code == 403


def test_the_last_admin_cannot_remove_itself(app, browser):
    from sqlalchemy import select

    from portal.accounts import users as accounts
    from portal.extensions import db

    with app.app_context():
        admins = db.session.execute(select(User).where(User.role == "admin", User.active)).scalars().all()
        for extra in admins[1:]:
            extra.active = False
        db.session.commit()
        last = db.session.execute(select(User).where(User.role == "admin", User.active)).scalars().first()
        if last is None:
            last = accounts.create("only-admin@lab.test", "Only", "a long secret 7", "admin")
            db.session.commit()
        with pytest.raises(accounts.AccountError, match="last active admin"):
            accounts.set_role(last, "member")
        for extra in admins[1:]:
            extra.active = True
        db.session.commit()


def test_csrf_token_is_on_every_form(browser, users):
    _, admin_email, admin_pw = users("admin")
    b = browser()
    b.login(admin_email, admin_pw)
    for page in ("/admin/users", "/admin/settings", "/account/password", "/detect"):
        html = b.get(page).get_data(as_text=True)
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, re.S)
        assert forms, page
        assert all("csrf_token" in f for f in forms), page
