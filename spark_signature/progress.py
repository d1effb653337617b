"""Spark's tasks as a progress bar while a long check runs (notebooks), and nothing when that is not possible.

:class:`SparkProgress` tags the jobs it wraps with a job group of its own, polls Spark's status tracker
from a background thread and moves a ``tqdm`` bar (the Jupyter widget when ``ipywidgets`` is there,
else tqdm's text bar). Without tqdm, under Spark Connect (no SparkContext on the client) or outside
a notebook (unless asked for), it does nothing at all: the check runs the same, quietly.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import uuid
from typing import IO, Any

__all__ = ["SparkProgress", "in_notebook"]

_GROUP_KEYS = ("spark.jobGroup.id", "spark.job.description", "spark.job.interruptOnCancel")


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where a bar is worth showing by default)."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    with contextlib.suppress(Exception):
        ip = shell.get_ipython()
        return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"
    return False


def _bar_class(file: IO[str] | None) -> Any:
    try:
        from tqdm import std
    except ImportError:
        return None
    if file is None and in_notebook():
        with contextlib.suppress(ImportError):
            import ipywidgets  # noqa: F401  (the notebook bar needs it)
            from tqdm.notebook import tqdm as notebook_bar

            return notebook_bar
    return std.tqdm


def _spark_context(spark: Any) -> Any:
    """The SparkContext of a classic session; None under Spark Connect (the client has none)."""
    try:
        sc = spark.sparkContext
        sc.statusTracker()
        return sc
    except Exception:
        return None


class SparkProgress:
    """``with SparkProgress(spark, "checking rows"): <actions>`` shows the actions' tasks as a bar.

    ``enabled=None`` shows it in notebooks only; ``file`` sends a text bar there (tests, logs). The bar
    appears only once the check has run for ``delay`` seconds: short checks show nothing.
    """

    def __init__(self, spark: Any, description: str = "checking rows", *, enabled: bool | None = None,
                 file: IO[str] | None = None, interval: float = 0.25, delay: float = 1.0) -> None:
        self.delay = delay
        self.description = description
        self.file = file
        self.interval = interval
        self.enabled = in_notebook() if enabled is None else enabled
        self.sc = _spark_context(spark) if self.enabled else None
        self.bar: Any = None
        self.total = 0
        self.done = 0
        self._group = f"spark_signature-{uuid.uuid4().hex[:12]}"
        self._previous: dict[str, Any] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def active(self) -> bool:
        return self.bar is not None

    def __enter__(self) -> SparkProgress:
        bar_class = _bar_class(self.file) if self.sc is not None else None
        if bar_class is None:
            return self
        try:
            self._previous = {k: self.sc.getLocalProperty(k) for k in _GROUP_KEYS}
            self.sc.setJobGroup(self._group, self.description, interruptOnCancel=False)
            self.bar = bar_class(total=0, desc=self.description, unit="task", file=self.file, leave=True,
                                 delay=self.delay)
        except Exception:  # progress must never break the check
            self.bar = None
            return self
        self._thread = threading.Thread(target=self._run, name="spark_signature-progress", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.poll()

    def poll(self) -> None:
        """Read the tasks of this group's jobs from the status tracker and move the bar."""
        if self.sc is None or self.bar is None:
            return
        with contextlib.suppress(Exception):
            tracker = self.sc.statusTracker()
            total = done = 0
            for job_id in tracker.getJobIdsForGroup(self._group):
                job = tracker.getJobInfo(job_id)
                for stage_id in job.stageIds if job is not None else ():
                    stage = tracker.getStageInfo(stage_id)
                    if stage is not None:
                        total += stage.numTasks
                        done += stage.numCompletedTasks
            self._show(total, done)

    def _show(self, total: int, done: int) -> None:
        self.total, self.done = max(self.total, total), max(self.done, done)
        self.bar.total = self.total
        self.bar.n = self.done
        self.bar.refresh()

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self.bar is None:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.poll()
        if exc_type is None:
            self._show(self.total, self.total)  # skipped stages (reused shuffles) never report their tasks
        with contextlib.suppress(Exception):
            self.bar.close()
        with contextlib.suppress(Exception):
            for key, value in self._previous.items():
                self.sc.setLocalProperty(key, value)
