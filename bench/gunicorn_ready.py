"""gunicorn settings for measurement 4 (`-c python:bench.gunicorn_ready`): each worker, once it has loaded the
app, leaves a file named after its pid in `RR_BENCH_READY_DIR`, so the benchmark starts its clients only when
every worker can take connections. Without it the first worker up answers the readiness probe, takes all the
clients' keep-alive connections and serves the whole run alone while the others are still importing the app."""
from __future__ import annotations

import os
from pathlib import Path


def post_worker_init(worker) -> None:  # gunicorn's server hook, called in the worker after the app is loaded
    folder = os.environ.get("RR_BENCH_READY_DIR")
    if folder:
        (Path(folder) / str(worker.pid)).touch()
