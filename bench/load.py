"""Load on a running portal (loopback only): concurrent clients browse history, poll job status and submit videos.

Prints p50/p95/p99 latency and errors per request kind, and the enqueue-to-start latency of the jobs submitted.
Bounded in clients, submissions and time. Usage:
  .venv/bin/python bench/load.py --url http://127.0.0.1:5000 --email admin@lab.local --password ... \
      --video clip.mp4 [--clients 16] [--seconds 30] [--submissions 8]

With --wrk the load comes from wrk (Debian package `wrk`; a C client, so it does not take the server's core the
way Python threads would): history pages/s and status polls/s (plain, and revalidated with If-None-Match) at
--connections, with p50 latency. --seed-jobs N first adds N finished jobs for the account (through create_app, so
run it with the portal's DATABASE_URL). Example:
  DATABASE_URL=mysql+mysqldb://... .venv/bin/python bench/load.py --wrk --seed-jobs 10000 --email ... --password ...
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import threading
import time
from collections import defaultdict
from datetime import datetime
from urllib.parse import urlsplit

import requests

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)

    def record(self, kind: str, seconds: float, ok: bool) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1


def signed_in(url: str, email: str, password: str) -> requests.Session:
    s = requests.Session()
    token = TOKEN.search(s.get(f"{url}/login", timeout=30).text).group(1)
    r = s.post(f"{url}/login", data={"email": email, "password": password, "csrf_token": token}, timeout=30,
               allow_redirects=False)
    if r.status_code != 302:
        raise SystemExit(f"sign-in failed ({r.status_code}); is the account right?")
    return s


def timed(stats: Stats, kind: str, call) -> requests.Response | None:
    start = time.perf_counter()
    try:
        r = call()
        stats.record(kind, time.perf_counter() - start, r.status_code < 400)
        return r
    except requests.RequestException:
        stats.record(kind, time.perf_counter() - start, False)
        return None


def client(url, session, video: bytes, stats, jobs, budget, deadline) -> None:
    while time.monotonic() < deadline:
        roll = random.random()
        if roll < 0.1 and budget.acquire(blocking=False):
            token = TOKEN.search(session.get(f"{url}/detect", timeout=30).text).group(1)
            r = timed(stats, "submit", lambda: session.post(
                f"{url}/detect", files={"video": ("clip.mp4", video, "video/mp4")}, allow_redirects=False,
                data={"csrf_token": token, "detector": "meso4_df", "frames": 8, "aggregation": "mean"}, timeout=60))
            if r is not None and r.status_code == 302:
                jobs.append(int(r.headers["Location"].rsplit("/", 1)[1]))
        elif roll < 0.45 or not jobs:
            timed(stats, "history", lambda: session.get(f"{url}/jobs", timeout=30))
        else:
            job_id = random.choice(jobs)
            timed(stats, "status", lambda: session.get(f"{url}/jobs/{job_id}/status.json", timeout=30))
        time.sleep(random.uniform(0.05, 0.2))


def percentiles(values: list[float]) -> str:
    q = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
    return f"p50 {q[49]*1000:7.1f} ms  p95 {q[94]*1000:7.1f} ms  p99 {q[98]*1000:7.1f} ms"


def seed_jobs(email: str, n: int) -> int:
    """Add finished detection jobs for the account until it has n; returns one job id (to poll)."""
    import sys
    from pathlib import Path

    from sqlalchemy import func, select

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from portal import create_app
    from portal.db import Job, User, utcnow
    from portal.extensions import db

    with create_app().app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        have = db.session.scalar(select(func.count()).select_from(Job).where(Job.owner_id == user.id))
        now = utcnow()
        rows = [{"owner_id": user.id, "kind": "detection", "status": "succeeded", "params": {"frames": 8},
                 "result": {"verdict": "REAL", "fake_probability": 0.1, "confidence": 0.8}, "progress": 1.0,
                 "stage": "done",
                 "attempts": 1, "cancel_requested": False, "created_at": now, "finished_at": now,
                 "files_hold": False} for _ in range(max(0, n - have))]
        for start in range(0, len(rows), 2000):
            db.session.execute(Job.__table__.insert(), rows[start:start + 2000])
            db.session.commit()
        return db.session.scalar(select(func.max(Job.id)).where(Job.owner_id == user.id))


def wrk(url: str, cookie: str, seconds: int, connections: int, headers: tuple[str, ...] = ()) -> tuple[float, str]:
    """(requests/s, p50) of wrk against one URL; non-2xx/3xx answers fail the run."""
    import shutil
    import subprocess

    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk (scripts/system-deps.sh bench)")
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"Cookie: {cookie}"]
    for h in headers:
        cmd += ["-H", h]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in out:
        raise SystemExit(f"errors under load:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+(\S+)", out).group(1)
    return rate, p50


def wrk_main(args) -> None:
    job_id = seed_jobs(args.email, args.seed_jobs)  # 0: adds none, returns the account's newest job
    session = signed_in(args.url, args.email, args.password)
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    status_url = f"{args.url}/jobs/{job_id}/status.json"
    etag = session.get(status_url, timeout=30).headers.get("ETag", "")
    seconds, conns = int(min(args.seconds, 120)), min(args.connections, 256)
    print(f"wrk, {conns} connections, {seconds} s each, job {job_id}")
    for label, url, headers in (("history pages", f"{args.url}/jobs", ()), ("status polls", status_url, ()),
                                ("status polls (If-None-Match: 304)", status_url, (f"If-None-Match: {etag}",))):
        if headers and not etag:
            continue
        rate, p50 = wrk(url, cookie, seconds, conns, headers)
        print(f"  {label:34s} {rate:8.1f}/s  p50 {p50}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="http://127.0.0.1:5000")
    p.add_argument("--email", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--video", help="a clip to submit (the Python-client mode)")
    p.add_argument("--wrk", action="store_true", help="history pages/s and status polls/s from wrk")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--seed-jobs", type=int, default=0)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--submissions", type=int, default=8)
    p.add_argument("--token", help="an API token of the same user, to read each job's start time")
    args = p.parse_args()
    if urlsplit(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("load runs against the loopback interface only")
    if args.wrk:
        return wrk_main(args)
    if not args.video:
        raise SystemExit("--video is needed without --wrk")
    clients, seconds = min(args.clients, 64), min(args.seconds, 300)
    video = open(args.video, "rb").read()
    first = signed_in(args.url, args.email, args.password)  # once: sign-in is rate-limited per IP and email
    sessions = []
    for _ in range(clients):
        session = requests.Session()
        session.cookies.update(first.cookies)
        sessions.append(session)
    stats, jobs, budget = Stats(), [], threading.Semaphore(min(args.submissions, 50))
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=client, args=(args.url, s, video, stats, jobs, budget, deadline))
               for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = sum(len(v) for v in stats.times.values())
    print(f"{clients} clients, {seconds:.0f} s, {total} requests ({total / seconds:.1f}/s)")
    for kind, values in sorted(stats.times.items()):
        print(f"  {kind:8s} n={len(values):5d} errors={stats.errors[kind]:3d}  {percentiles(values)}")
    if args.token and jobs:
        print_start_latency(args.url, args.token, jobs)


def print_start_latency(url: str, token: str, jobs: list[int], wait: float = 300) -> None:
    """Wait for the submitted jobs to start; print queued->started seconds (whole seconds in the database)."""
    headers, latencies, deadline = {"Authorization": f"Bearer {token}"}, {}, time.monotonic() + wait
    while len(latencies) < len(jobs) and time.monotonic() < deadline:
        for job_id in jobs:
            if job_id in latencies:
                continue
            job = requests.get(f"{url}/api/v1/jobs/{job_id}", headers=headers, timeout=30).json()
            if job.get("started_at"):
                created = datetime.fromisoformat(job["created_at"].rstrip("Z"))
                latencies[job_id] = (datetime.fromisoformat(job["started_at"].rstrip("Z")) - created).total_seconds()
        time.sleep(1)
    values = sorted(latencies.values())
    if values:
        print(f"  enqueue-to-start over {len(values)} jobs: min {values[0]:.0f} s, median "
              f"{statistics.median(values):.0f} s, max {values[-1]:.0f} s (one worker runs them one at a time)")


if __name__ == "__main__":
    main()
