"""Spark's Python worker plus one planned fault, for the cluster tests (``spark.python.worker.module``).

The module name must start with ``pyspark`` (pyspark.daemon only imports such worker modules). It is on
the executors' path through ``spark.executorEnv.PYTHONPATH``; the fault is chosen by the executors'
environment:

* ``SPARK_SIGNATURE_FAULT=crash_first_attempt``: the first attempt of partition 0 of every Python stage
  hands one output batch to the JVM and then the Python worker process dies (``os._exit``), as a worker
  killed by the OOM killer would. Spark retries the task (``spark.task.maxFailures`` > 1). Each crash
  leaves a marker file in ``SPARK_SIGNATURE_FAULT_DIR`` so the test can tell that it happened.

Nothing else changes: every other task runs Spark's own worker code.
"""

import os

from pyspark import worker as _worker
from pyspark.taskcontext import TaskContext

_FAULT = os.environ.get("SPARK_SIGNATURE_FAULT")
_DIR = os.environ.get("SPARK_SIGNATURE_FAULT_DIR", ".")
_read_udfs = _worker.read_udfs


def _crashing(func, stage, partition):
    def run(split_index, iterator):
        for n, item in enumerate(func(split_index, iterator)):
            yield item
            if n == 0:
                open(os.path.join(_DIR, f"crashed-stage{stage}-partition{partition}"), "w").close()
                os._exit(13)

    return run


def read_udfs(*args, **kwargs):
    func, profiler, deserializer, serializer = _read_udfs(*args, **kwargs)
    context = TaskContext.get()
    if _FAULT == "crash_first_attempt" and context.attemptNumber() == 0 and context.partitionId() == 0:
        func = _crashing(func, context.stageId(), context.partitionId())
    return func, profiler, deserializer, serializer


_worker.read_udfs = read_udfs
main = _worker.main
