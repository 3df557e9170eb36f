"""A `bonewise serve` subprocess for the tests that need a real server (e2e, workers,
durability): started with its stderr kept in a file, waited for until /healthz answers.

The wait polls quickly at first (a quiet machine is not slowed down) and gives up only after a
deadline meant for a loaded one: a server start that took 60 s at load 20+ failed the old fixed
60 s wait. If the server exits first, the wait fails at once and shows the end of its stderr.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

# Long enough for a start at load 20+ on 2 cores; a site may set its own.
START_TIMEOUT_S = float(os.environ.get("BONEWISE_TEST_SERVER_START_S", "180"))
FIRST_POLL_S = 0.05
LONGEST_POLL_S = 0.5
STDERR_TAIL_CHARS = 4000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerDidNotStart(RuntimeError):
    pass


@dataclass
class ServerProcess:
    """A started server: its process, base URL and the file its stderr goes to."""

    process: subprocess.Popen[bytes]
    base: str
    stderr: IO[bytes] = field(repr=False)

    def stderr_tail(self) -> str:
        self.stderr.flush()
        self.stderr.seek(0, os.SEEK_END)
        size = self.stderr.tell()
        self.stderr.seek(max(0, size - STDERR_TAIL_CHARS))
        return self.stderr.read().decode("utf-8", errors="replace")

    def wait_until_up(self, timeout_s: float = START_TIMEOUT_S) -> None:
        started = time.monotonic()
        deadline = started + timeout_s
        pause = FIRST_POLL_S
        while True:
            if self.process.poll() is not None:
                raise ServerDidNotStart(
                    f"server for {self.base} exited with {self.process.returncode} before it "
                    f"answered; the end of its stderr:\n{self.stderr_tail()}"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
                raise ServerDidNotStart(
                    f"server for {self.base} did not answer /healthz within {timeout_s:.0f} s "
                    f"(load average {load}); the end of its stderr:\n{self.stderr_tail()}"
                )
            try:
                # A server that is up but slow to answer under load is given the time left.
                with urllib.request.urlopen(
                    f"{self.base}/healthz", timeout=max(1.0, min(remaining, 10.0))
                ) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 2, LONGEST_POLL_S)

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 20) -> None:
        """Stop the server (SIGTERM, then SIGKILL if it has not gone after `timeout_s`)."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def serving(
    command: Sequence[str],
    *,
    port: int,
    env: Mapping[str, str] | None = None,
    timeout_s: float = START_TIMEOUT_S,
) -> Iterator[ServerProcess]:
    """Run `command` (which must serve on 127.0.0.1:`port`), wait until /healthz answers 200,
    and stop the server when the block ends (or at once if it never answered)."""
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            list(command),
            env=None if env is None else dict(env),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        server = ServerProcess(process, f"http://127.0.0.1:{port}", stderr)
        try:
            server.wait_until_up(timeout_s)
            yield server
        finally:
            server.stop()
