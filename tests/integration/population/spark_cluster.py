"""A real Spark standalone cluster on loopback: one master and one worker process.

Started from the installed pyspark's own launcher (`bin/spark-class`), the way a health system's
cluster runs the same classes, bound to 127.0.0.1 on free ports. Small settings (one worker with
2 cores, few shuffle partitions, no scheduler locality wait, JVMs tuned to live briefly) keep a
test of a tiny cohort short; they live in the cluster's `spark-defaults.conf` (and the daemons'
SPARK_DAEMON_JAVA_OPTS), as a site would set them, not in bonewise.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bonewise.population.engine import JAVA_17_HOME

STARTUP_SECONDS = 180.0  # a loaded 2-core CI machine starts two JVMs slowly

# Every JVM of a test lives a minute or two: the client JIT compiler alone (no C2) and the serial
# collector halve their CPU (the known-answer run: 83 -> 44 JVM CPU-s), the answers unchanged.
SHORT_LIVED_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"

SPARK_DEFAULTS = {
    "spark.driver.extraJavaOptions": SHORT_LIVED_JVM_OPTIONS,
    "spark.executor.extraJavaOptions": SHORT_LIVED_JVM_OPTIONS,
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.locality.wait": "0s",
    "spark.executor.memory": "768m",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def _master_state(webui_port: int) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{webui_port}/json/", timeout=5) as r:
            state = json.load(r)
    except OSError:
        return None
    return state if isinstance(state, dict) else None


@dataclass
class StandaloneCluster:
    directory: Path
    master_port: int = field(default_factory=free_port)
    master_webui_port: int = field(default_factory=free_port)
    worker_port: int = field(default_factory=free_port)
    worker_webui_port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"spark://127.0.0.1:{self.master_port}"

    def environment(self) -> dict[str, str]:
        """The environment a driver needs to use this cluster (its spark-defaults.conf too)."""
        env = dict(os.environ)
        if "JAVA_HOME" not in env and Path(JAVA_17_HOME).is_dir():
            env["JAVA_HOME"] = JAVA_17_HOME
        env.update(
            SPARK_HOME=str(spark_home()),
            SPARK_LOCAL_IP="127.0.0.1",
            SPARK_CONF_DIR=str(self.directory / "conf"),
            SPARK_LOG_DIR=str(self.directory / "logs"),
            SPARK_WORKER_DIR=str(self.directory / "work"),
            SPARK_DAEMON_JAVA_OPTS=SHORT_LIVED_JVM_OPTIONS,  # the master and the worker
        )
        return env

    def _launch(self, name: str, *args: str) -> None:
        log = (self.directory / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [str(spark_home() / "bin" / "spark-class"), *args],
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with everything it forks
        )
        self.processes.append(process)

    def _wait(self, what: str, ready: str) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            state = _master_state(self.master_webui_port)
            if state is not None and (ready == "master" or state.get("aliveworkers") == 1):
                return
            if any(p.poll() is not None for p in self.processes):
                break
            time.sleep(0.5)
        logs = "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}"
            for p in sorted(self.directory.glob("*.log"))
        )
        raise RuntimeError(f"the Spark {what} did not come up:\n{logs}")

    def start(self) -> StandaloneCluster:
        for sub in ("conf", "logs", "work"):
            (self.directory / sub).mkdir(parents=True, exist_ok=True)
        (self.directory / "conf" / "spark-defaults.conf").write_text(
            "".join(f"{key} {value}\n" for key, value in SPARK_DEFAULTS.items())
        )
        self._launch(
            "master",
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.master_port),
            "--webui-port",
            str(self.master_webui_port),
        )
        self._wait("master", "master")
        self._launch(
            "worker",
            "org.apache.spark.deploy.worker.Worker",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.worker_port),
            "--webui-port",
            str(self.worker_webui_port),
            "--cores",
            "2",
            "--memory",
            "1g",
            "--work-dir",
            str(self.directory / "work"),
            self.url,
        )
        self._wait("worker", "worker")
        return self

    def stop(self) -> None:
        """Worker first (it stops its executors), then the master; each by its own process group."""
        for process in reversed(self.processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
        self.processes.clear()
