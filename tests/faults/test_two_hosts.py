"""Two worker hosts against one Redis and one database: each worker runs in its own UTS, network and mount
namespaces (its own host name, no network but loopback, its own bind mount of the one shared storage folder), as
a second machine would. Jobs spread over both; when one host dies mid-job, its job moves to the other within the
reconciler's heartbeat limit, and nothing is lost. Runs on both backends (MySQL through its unix socket, the only
way into the server from a namespace without the host's network)."""

from __future__ import annotations

import io
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import ROOT
from tests.faults.conftest import DETECTOR
from tests.portal.helpers import Browser

HEARTBEAT, SILENT = 2, 12  # s: a busy worker beats every 2 s; 12 s of silence moves its job elsewhere


def _namespaces_allowed() -> bool:
    """The very steps a host takes (host name, loopback up, a bind mount), tried once in throwaway namespaces."""
    if not all(shutil.which(tool) for tool in ("unshare", "ip", "mount", "hostname")):
        return False
    with tempfile.TemporaryDirectory() as folder:
        probe = subprocess.run(["unshare", "--uts", "--net", "--mount", "--propagation", "private", "sh", "-c",
                                f"hostname probe && ip link set lo up && mount --bind {folder} {folder}"],
                               capture_output=True)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(not _namespaces_allowed(),
                                reason="two hosts need root, unshare, ip and mount (UTS, network, mount namespaces)")


def _through_socket(url: str) -> str:
    """The same MySQL database reached through the server's unix socket (a namespace has no TCP to the host)."""
    parsed = sa.engine.make_url(url)
    if not parsed.drivername.startswith("mysql"):
        return url
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        socket = conn.execute(sa.text("SELECT @@socket")).scalar_one()
    engine.dispose()
    return parsed.set(host="localhost", port=None, query={**parsed.query, "unix_socket": socket}).render_as_string(
        hide_password=False)


class Host:
    """One worker 'host': `unshare` gives it a host name, an empty network and its own mount of the storage."""

    def __init__(self, faults, name: str):
        mount = faults.tmp / f"{name}-storage"
        mount.mkdir(exist_ok=True)
        config = dict(faults.config, WORKER_NAME=f"{name}-worker", RECONCILE_INTERVAL=2, WORKER_HEARTBEAT=HEARTBEAT,
                      WORKER_SILENT=SILENT, STORAGE_DIR=str(mount),
                      SQLALCHEMY_DATABASE_URI=_through_socket(faults.config["SQLALCHEMY_DATABASE_URI"]))
        main = Path(__file__).with_name("worker_main.py")
        script = (f"hostname {name} && ip link set lo up && mount --bind {faults.config['STORAGE_DIR']} {mount} && "
                  f"exec {sys.executable} {main} '{json.dumps(config)}'")
        log = open(faults.tmp / f"{name}.log", "a")
        self.name, self.worker_name = name, config["WORKER_NAME"]
        self.proc = subprocess.Popen(["unshare", "--uts", "--net", "--mount", "--propagation", "private", "sh", "-c",
                                      script], cwd=faults.tmp, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
                                                                    "PYTHONPATH": str(ROOT)},
                                     stdout=log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()


@pytest.fixture(scope="module")
def hosts(faults):
    faults.kill_workers(signal.SIGTERM)
    started = [Host(faults, "host-a"), Host(faults, "host-b")]
    yield started
    for host in started:
        host.kill()


def _submit(b: Browser, video: Path, frames: int) -> int:
    r = b.post("/detect", {"video": (io.BytesIO(video.read_bytes()), "clip.mp4"), "detector": DETECTOR,
                           "frames": frames, "aggregation": "mean"}, token_page="/detect",
               content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return int(r.headers["Location"].rsplit("/", 1)[1])


def _row(faults, job_id: int):
    from portal.db import Job
    from portal.extensions import db

    with faults.app.app_context():
        job = db.session.get(Job, job_id)
        return {"status": job.status, "worker": job.worker_name, "ran_on": job.ran_on, "attempts": job.attempts,
                "outputs": [a.storage_key for a in job.artifacts if a.role != "input_video"]}


def test_jobs_spread_over_both_hosts_and_their_outputs_reach_the_portal(faults, hosts, member, face_video):
    from portal.storage import Storage

    ids = [_submit(member, face_video, frames=16) for _ in range(6)]
    rows = [faults.wait(i, ("succeeded", "failed"), timeout=300)[0] for i in ids]
    assert all(r["status"] == "succeeded" for r in rows), rows
    done = [_row(faults, i) for i in ids]
    assert {r["worker"] for r in done} == {h.worker_name for h in hosts}, done
    assert {h.name for h in hosts} <= {r["ran_on"].split(",")[0].removeprefix("host ") for r in done}, done
    storage = Storage(faults.config["STORAGE_DIR"])  # the web host's own path to the shared folder
    assert all(r["outputs"] and all(storage.path(k).is_file() for k in r["outputs"]) for r in done), done


def test_a_host_that_dies_mid_job_hands_the_job_to_the_other(faults, hosts, member, face_video):
    job_id = _submit(member, face_video, frames=64)
    faults.wait(job_id, ("running",), timeout=120)
    victim = next(h for h in hosts if h.worker_name == _row(faults, job_id)["worker"])
    survivor = next(h for h in hosts if h is not victim)
    killed_at = time.monotonic()
    victim.kill()
    assert member.get(f"/jobs/{job_id}").status_code == 200  # the portal keeps serving
    row, _ = faults.wait(job_id, ("succeeded", "failed"), timeout=SILENT + 120)
    took = time.monotonic() - killed_at
    after = _row(faults, job_id)
    assert row["status"] == "succeeded" and after["worker"] == survivor.worker_name, after
    assert after["attempts"] == 2 and after["outputs"], after
    print(f"\nFAULT host {victim.name} killed mid-job -> finished on {survivor.name} after {took:.1f} s "
          f"(heartbeat silence limit {SILENT} s)")
    from portal.db import AuditEvent
    from portal.extensions import db

    with faults.app.app_context():
        retry = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "job.retry",
                                                               AuditEvent.object_id == job_id)).scalars().all()
    assert retry and "heartbeat" in retry[-1].details["reason"], [r.details for r in retry]
