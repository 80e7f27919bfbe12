"""The first admin, created with a printed password, is asked to choose their own before anything else."""

import uuid


def test_generated_password_must_be_changed_first(app, browser, monkeypatch):
    from portal.accounts import users as accounts
    from portal.db import User
    from portal.extensions import db

    email = f"first-{uuid.uuid4().hex[:8]}@lab.test"
    with app.app_context():  # the command's own path, as on a fresh install (another admin may exist here)
        from portal.accounts.cli import users_ensure_admin

        with monkeypatch.context() as m:
            m.setitem(app.config, "ADMIN_PASSWORD", "")  # PORTAL_ADMIN_PASSWORD unset
            m.setattr("portal.accounts.cli.db.session.scalar", lambda *a, **k: None)  # "no admin yet"
            out = app.test_cli_runner().invoke(users_ensure_admin, ["--email", email])
        assert "password:" in out.output, out.output
        password = out.output.split("password: ")[1].split()[0]
        admin = db.session.query(User).filter_by(email=email).one()
        assert accounts.must_change_password(admin)
    b = browser()
    b.login(email, password)
    r = b.get("/jobs")
    assert r.status_code == 302 and r.headers["Location"].endswith("/account/password")
    page = b.get("/account/password").get_data(as_text=True)
    assert "choose your own" in page
    r = b.post("/account/password", {"current": password, "new": "a long own passphrase 93",
                                     "confirm": "a long own passphrase 93"})
    assert r.status_code == 302
    assert b.get("/jobs").status_code == 200
