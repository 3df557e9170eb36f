"""The tests' server start (tests/server_process.py): waits for a slow start, fails at once
with the server's own words when it exits, and names the load when it times out."""

from __future__ import annotations

import sys
import textwrap
import time

import pytest

from ...server_process import START_TIMEOUT_S, ServerDidNotStart, free_port, serving

SLOW_HEALTHZ = textwrap.dedent(
    """
    import sys, time
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Healthz(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/healthz" else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    time.sleep(float(sys.argv[2]))  # importing the app on a loaded machine
    HTTPServer(("127.0.0.1", int(sys.argv[1])), Healthz).serve_forever()
    """
)


def test_a_server_that_starts_slowly_is_waited_for_and_stopped_after() -> None:
    port = free_port()
    with serving([sys.executable, "-c", SLOW_HEALTHZ, str(port), "1.5"], port=port) as server:
        assert server.process.poll() is None
        assert server.base == f"http://127.0.0.1:{port}"
    assert server.process.poll() is not None


def test_a_server_that_exits_fails_at_once_with_its_stderr() -> None:
    port = free_port()
    dies = "import sys; sys.stderr.write('[Errno 98] address already in use'); sys.exit(3)"
    started = time.monotonic()
    with (
        pytest.raises(ServerDidNotStart) as failed,
        serving([sys.executable, "-c", dies], port=port),
    ):
        pass
    assert time.monotonic() - started < START_TIMEOUT_S / 10
    assert "exited with 3" in str(failed.value)
    assert "[Errno 98] address already in use" in str(failed.value)


def test_a_server_that_never_answers_is_stopped_at_the_deadline_naming_the_load() -> None:
    port = free_port()
    silent = [
        sys.executable,
        "-c",
        "import sys, time; print('starting', file=sys.stderr, flush=True); time.sleep(60)",
    ]
    timed_out = r"(?s)within 1 s \(load average .*starting"
    with pytest.raises(ServerDidNotStart, match=timed_out), serving(silent, port=port, timeout_s=1):
        pass
