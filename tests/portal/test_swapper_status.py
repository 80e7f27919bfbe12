"""The generation form says which swappers can run here and, for each that cannot, why and how to get it."""

from __future__ import annotations


def test_the_form_lists_unavailable_swappers_with_the_reason_and_the_way_to_get_them(app, member):
    from models.swappers import swapper_status

    status = swapper_status(app.config["MODELS_DIR"])
    html = member.get("/generate").get_data(as_text=True)
    offered = html[html.index('name="swapper"'):html.index("</select>", html.index('name="swapper"'))]
    for name, reason in status.items():
        assert f'data-swapper="{name}"' in html
        assert (f'value="{name}"' in offered) == (reason is None)  # only what can run is offered
    missing = [name for name, reason in status.items() if reason and "package" not in reason]
    if "inswapper_128" in missing:
        block = html[html.index('data-swapper="inswapper_128"'):]
        block = block[:block.index("</li>\n    \n")] if "</li>\n    \n" in block else block[:3000]
        assert "Unavailable: its weights are not installed" in block
        assert "inswapper/inswapper_128.onnx" in block and "flask models download inswapper_128" in block
        assert "non-commercial" in block  # the licence, before anyone downloads
        assert "buffalo_l" in block  # the identity model comes in a pack: the note says how


def test_swapper_rows_read_only_the_catalog(app):
    from portal.generation.views import swapper_rows

    with app.test_request_context():
        rows = {row["name"]: row for row in swapper_rows()}
    assert "classical" in rows and all(row["ready"] or row["reason"] for row in rows.values())


def test_the_form_loads_no_ml_runtime_to_tell(tmp_path):
    """Reading the swappers' status (packages by find_spec, weights by the catalog) imports no runtime."""
    import subprocess
    import sys

    from tests.conftest import ROOT, SHARED_WEIGHTS

    code = ("import sys; from portal import create_app; from portal.extensions import db; "
            f"app = create_app({{'TESTING': True, 'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'SECRET_KEY': 'x', "
            f"'WTF_CSRF_ENABLED': False, 'MODELS_DIR': {str(SHARED_WEIGHTS)!r}, 'STORAGE_DIR': {str(tmp_path)!r}}}); "
            "ctx = app.app_context(); ctx.push(); db.create_all(); "
            "from portal.accounts import users; users.create('m@lab.test', 'M', 'correct horse 42', 'member'); "
            "db.session.commit(); c = app.test_client(); "
            "c.post('/login', data={'email': 'm@lab.test', 'password': 'correct horse 42'}); "
            "r = c.get('/generate'); assert b'data-swapper=' in r.data, r.status_code; "
            "heavy = [m for m in ('tensorflow', 'torch', 'onnxruntime', 'insightface', 'keras', 'mtcnn', 'dlib') "
            "if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
