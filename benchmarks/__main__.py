"""Run the benchmarks on demand: `python -m benchmarks [NAME ...]` (default: all of them).

Each benchmark is a module here, run as `python -m benchmarks.NAME`; it prints its figures. They are never
part of `make test`: speed is measured here, not asserted in tests.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import time

import benchmarks


def available() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_")
    )


def run(names: list[str]) -> None:
    # Each in its own process, with its own default options, so none sees another's memory.
    for name in names:
        print(f"== benchmarks.{name}", flush=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], check=True)
        print(f"== {name}: {time.perf_counter() - started:.1f} s\n", flush=True)


if __name__ == "__main__":
    wanted = sys.argv[1:] or available()
    unknown = sorted(set(wanted) - set(available()))
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}")
    run(wanted)
