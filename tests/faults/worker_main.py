"""A portal worker for the fault tests: create_app(config from argv JSON) and run_worker with a short reconcile."""

import json
import sys

from portal import create_app
from workers.run import run_worker

if __name__ == "__main__":
    config = json.loads(sys.argv[1])
    run_worker(create_app(config), name=config["WORKER_NAME"], interval=config["RECONCILE_INTERVAL"])
