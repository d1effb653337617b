"""Count the Spark jobs a block of test code starts, on a classic or a Spark Connect session.

Classic: a job group and the status tracker. A Connect client has neither (no SparkContext on the
client), so there the block runs under a session tag (``spark.addTag``), whose jobs carry it in their
``jobTags``, and the jobs are read from the local Connect server's status REST API (its UI, on
loopback; ``CONNECT_UI`` maps a client's session id to it, set by tests/conftest.py). The status store
is fed by the listener bus: a marker job run after the block, and waited for, guarantees that every job
of the block is in the answer (the bus delivers events in order).
"""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from spark_signature.connect import is_connect

#: Connect client session id (and server url) -> the base URL of the server's web UI.
CONNECT_UI: dict[str, str] = {}


@contextmanager
def count_jobs(spark: Any) -> Iterator[list[int]]:
    """``with count_jobs(spark) as jobs: ...``; afterwards ``jobs[0]`` is the number of jobs started inside."""
    box: list[int] = []
    if is_connect(spark):
        with _connect_jobs(spark, box):
            yield box
        return
    sc = spark.sparkContext
    group = f"test-{uuid.uuid4().hex}"
    sc.setJobGroup(group, "counting jobs")
    try:
        yield box
    finally:
        box.append(len(sc.statusTracker().getJobIdsForGroup(group)))
        sc.setLocalProperty("spark.jobGroup.id", None)


@contextmanager
def _connect_jobs(spark: Any, box: list[int]) -> Iterator[None]:
    ui = CONNECT_UI[spark.session_id]
    tag, marker = f"count-{uuid.uuid4().hex}", f"marker-{uuid.uuid4().hex}"
    spark.addTag(tag)
    try:
        yield
    finally:
        spark.removeTag(tag)
        spark.addTag(marker)
        try:
            spark.range(1).collect()  # the barrier: once its job is listed, so are the block's
        finally:
            spark.removeTag(marker)
        box.append(_tagged_jobs(ui, tag, marker))


def _tagged_jobs(ui: str, tag: str, marker: str, timeout: float = 30.0) -> int:
    base = f"{ui}/api/v1/applications"
    app = json.load(urllib.request.urlopen(base, timeout=10))[0]["id"]
    deadline = time.monotonic() + timeout
    while True:
        jobs = json.load(urllib.request.urlopen(f"{base}/{app}/jobs", timeout=10))
        tags = [job.get("jobTags", []) for job in jobs]
        if any(t.endswith(f"_Tag_{marker}") for job_tags in tags for t in job_tags):
            return sum(1 for job_tags in tags if any(t.endswith(f"_Tag_{tag}") for t in job_tags))
        if time.monotonic() > deadline:
            raise AssertionError(f"the marker job never reached the status API of {ui}")
        time.sleep(0.05)
