"""Every kind of job, deferred or not, goes to a queue a worker serves; a stored benchmark ignores the running cap."""

import pytest


@pytest.fixture()
def capped(app, users):
    """An admin with one running job and a running cap of 1."""
    from portal.admin import settings
    from portal.db import Job, User, utcnow
    from portal.extensions import db

    user_id, _, _ = users("admin")
    with app.app_context():
        owner = db.session.get(User, user_id)
        db.session.add(Job(owner=owner, kind="detection", status="running", params={}, started_at=utcnow()))
        settings.put("max_running_per_user", 1)
        db.session.commit()
    yield user_id
    with app.app_context():
        settings.put("max_running_per_user", 0)
        db.session.execute(db.text("UPDATE jobs SET status = 'failed' WHERE owner_id = :u AND status = 'running'"),
                           {"u": user_id})
        db.session.commit()


@pytest.mark.parametrize("kind", ["detection", "model_check", "benchmark", "generation"])
def test_a_job_deferred_at_the_running_cap_waits_on_a_served_queue(app, capped, kind):
    from rq import Queue
    from rq.job import Job as RQJob

    from portal import queue
    from portal.db import Job, User, utcnow
    from portal.extensions import db
    from workers.context import JobContext

    with app.app_context():
        job = Job(owner=db.session.get(User, capped), kind=kind, status="queued", params={}, queued_at=utcnow(),
                  attempts=1)
        db.session.add(job)
        db.session.commit()
        assert JobContext.start(job.id) is None  # over the cap: deferred
        job = db.session.get(Job, job.id)
        served = Queue(queue.queue_for(kind), connection=queue.connection())
        # where RQ put it (a session's live worker may already have taken it off the queue)
        assert RQJob.fetch(job.rq_id, connection=queue.connection()).origin == served.name
        assert served.name in queue.QUEUES
        assert kind in queue.QUEUES or Queue(kind, connection=queue.connection()).count == 0
        served.remove(job.rq_id)


def test_every_kind_has_a_served_queue():
    from portal import queue
    from portal.db import JOB_KINDS

    assert {queue.queue_for(kind) for kind in JOB_KINDS} <= set(queue.QUEUES)


def test_a_command_line_benchmark_is_stored_even_at_the_running_cap(app, capped):
    """`flask detector benchmark` scores in its own process, taking no worker's place: its result is recorded as a
    finished job whatever the owner's running cap."""
    from portal.db import User
    from portal.extensions import db
    from portal.jobs.service import record_benchmark

    report = {"videos": [{"path": "a.mp4", "label": 0}, {"path": "b.mp4", "label": 1}],
              "models": [{"model": "meso4_df", "metrics": {"auc": 0.5, "scored": 2, "videos": 2},
                          "scores": [0.4, 0.6]}]}
    with app.app_context():
        job = record_benchmark(db.session.get(User, capped), "set", ["meso4_df"], 8, report, b"\x89PNG\r\n\x1a\n")
        assert job.status == "succeeded" and {a.role for a in job.artifacts} == {"plot", "report_json"}
        assert job.result["models"][0]["auc"] == 0.5
