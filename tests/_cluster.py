"""A real multi-process Spark cluster for the job tests: a standalone master and two workers from the
pyspark distribution on loopback, and the jobs submitted to it as a deployment would.

* The package reaches the driver and the executors only as the wheel built from this checkout
  (``pip wheel --no-deps``), shipped with ``--py-files``: the driver and executor interpreter is a
  venv that sees the test venv's third-party packages but not its editable install of spark_signature
  (a ``.pth`` line adds the site-packages directory without running the ``.pth`` files in it).
* The Delta jars come from the project cache (``--jars``), the settings from ``conf/job-example.conf``.
* ``tests/cluster_faults/pyspark_fault_worker.py`` is Spark's own Python worker plus one planned fault,
  switched on per submit through the executors' environment.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import venv
from dataclasses import dataclass, field
from pathlib import Path

from _jvm import SHORT_LIVED_JVM_OPTIONS

REPO = Path(__file__).resolve().parents[1]
FAULTS_DIR = Path(__file__).resolve().parent / "cluster_faults"
JOB_CONF = REPO / "conf" / "job-example.conf"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def build_wheel(out: Path) -> Path:
    """``pip wheel --no-deps`` of a copy of the checkout (an in-tree build would leave build/ behind), then
    the same file as ``.zip``: Spark adds ``--py-files`` to the executors' path only for .zip/.egg/.jar."""
    src = out / "src"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(".venv*", ".cache", ".git", "out", "build", "dist",
                                                              "*.egg-info", "__pycache__", ".pytest_cache", "bench"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", str(src),
                    "-w", str(out / "dist")], check=True, capture_output=True, text=True, timeout=300)
    wheel = next((out / "dist").glob("spark_signature-*.whl"))
    zipped = wheel.with_suffix(".zip")
    shutil.copyfile(wheel, zipped)
    return zipped


def bare_python(root: Path) -> Path:
    """A venv that sees the test venv's packages (pyspark, pyarrow, mlflow...) but not spark_signature."""
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root)
    python = root / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    ours = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    Path(site, "test-venv-packages.pth").write_text("".join(f"{p}\n" for p in ours))
    return python


@dataclass
class Submitted:
    """A finished spark-submit: exit code and output."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def explain(self) -> str:
        return (f"exit {self.returncode} after {self.seconds:.0f}s\nstdout:\n{self.stdout}\n"
                f"stderr:\n{self.stderr[-6000:]}")


@dataclass
class Cluster:
    master_url: str
    root: Path
    python: Path
    package: Path
    jars: list[Path]
    webui_port: int = 0
    processes: list[subprocess.Popen] = field(default_factory=list)
    submits: list[tuple[str, float]] = field(default_factory=list)

    def command(self, job: str, *args: str, conf: dict[str, str] | None = None) -> list[str]:
        cmd = [str(spark_home() / "bin" / "spark-submit"), "--master", self.master_url,
               "--properties-file", str(JOB_CONF), "--jars", ",".join(str(j) for j in self.jars),
               "--py-files", str(self.package)]
        # tiny test tables: Delta's state reconstruction in 2 partitions instead of 50; no web UI; short-lived
        # JVMs (tests/_jvm.py)
        settings = {"spark.databricks.delta.snapshotPartitions": "2", "spark.ui.enabled": "false",
                    "spark.driver.extraJavaOptions": SHORT_LIVED_JVM_OPTIONS,
                    "spark.executor.extraJavaOptions": SHORT_LIVED_JVM_OPTIONS, **(conf or {})}
        for key, value in settings.items():
            cmd += ["--conf", f"{key}={value}"]
        return [*cmd, str(REPO / "jobs" / job), *args]

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYSPARK_GATEWAY", "SPARK_SIGNATURE_CONF"))}
        env.update({
            "SPARK_HOME": str(spark_home()), "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": str(self.python),
            "PYSPARK_DRIVER_PYTHON": str(self.python), "MLFLOW_DISABLE_TELEMETRY": "true",
        })  # fmt: skip
        env.pop("PYTHONPATH", None)
        env.update(extra or {})
        return env

    def popen(self, job: str, *args: str, conf: dict[str, str] | None = None, env: dict[str, str] | None = None,
              cwd: Path | None = None) -> subprocess.Popen:
        """Start a job; its own process group, so that a test can kill the driver JVM and its Python."""
        return subprocess.Popen(self.command(job, *args, conf=conf), env=self.env(env), cwd=cwd or self.root,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)

    def submit(self, job: str, *args: str, conf: dict[str, str] | None = None, env: dict[str, str] | None = None,
               timeout: float = 600) -> Submitted:
        started = time.monotonic()
        proc = self.popen(job, *args, conf=conf, env=env)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            out, err = proc.communicate()
            raise AssertionError(f"{job} did not finish in {timeout}s:\n{err[-4000:]}") from None
        seconds = time.monotonic() - started
        self.submits.append((job, seconds))
        n = len(self.submits)
        (self.root / f"submit-{n:02d}-{job}.out").write_text(out)
        (self.root / f"submit-{n:02d}-{job}.err").write_text(err)
        return Submitted(list(args), proc.returncode, out, err, seconds)

    def status(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.webui_port}/json/", timeout=5) as response:
            return json.load(response)

    def stop(self) -> None:
        for proc in reversed(self.processes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.processes):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                kill_group(proc)
                proc.wait(timeout=30)


def kill_group(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Kill a process we started and everything in its process group (its children: the driver's Python)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def start_cluster(root: Path, workers: int = 2, cores: int = 1, memory: str = "1g", timeout: float = 240) -> Cluster:
    """Master + ``workers`` workers on 127.0.0.1; returns when every worker is ALIVE."""
    from spark_signature.session import resolve_delta_jars

    root.mkdir(parents=True, exist_ok=True)
    package = build_wheel(root / "wheel")
    python = bare_python(root / "bare-venv")
    port, webui = _free_port(), _free_port()
    home = spark_home()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYSPARK_GATEWAY")}
    env.update({"SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_DAEMON_MEMORY": "256m",
                "SPARK_DAEMON_JAVA_OPTS": SHORT_LIVED_JVM_OPTIONS,
                "SPARK_LOG_DIR": str(root / "logs"), "SPARK_WORKER_DIR": str(root / "work")})
    cluster = Cluster(f"spark://127.0.0.1:{port}", root, python, package, resolve_delta_jars(), webui)
    spark_class = str(home / "bin" / "spark-class")

    def daemon(name: str, *args: str) -> None:
        log = open(root / f"{name}.log", "w")  # noqa: SIM115  (kept open for the process's life)
        cluster.processes.append(subprocess.Popen([spark_class, *args], env=env, stdout=log, stderr=subprocess.STDOUT,
                                                  start_new_session=True))

    daemon("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
           "--webui-port", str(webui))
    for i in range(workers):
        (root / f"work{i}").mkdir(exist_ok=True)
        daemon(f"worker{i}", "org.apache.spark.deploy.worker.Worker", cluster.master_url, "--host", "127.0.0.1",
               "--cores", str(cores), "--memory", memory, "--work-dir", str(root / f"work{i}"), "--webui-port", "0")
    deadline = time.monotonic() + timeout
    while True:
        try:
            alive = [w for w in cluster.status()["workers"] if w["state"] == "ALIVE"]
            if len(alive) >= workers:
                return cluster
        except OSError:
            pass
        if time.monotonic() > deadline or any(p.poll() is not None for p in cluster.processes):
            logs = "\n".join((root / f"{n}.log").read_text()[-2000:] for n in ["master", *(f"worker{i}" for i in
                                                                                          range(workers))])
            cluster.stop()
            raise RuntimeError(f"the standalone cluster did not come up in {timeout}s:\n{logs}")
        time.sleep(0.5)
