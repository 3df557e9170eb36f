"""Render every example patient once per audience (PDF), and read the PDFs back with poppler."""

from __future__ import annotations

import multiprocessing
import subprocess
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from bonewise.render.render import render_report

from ...unit.render.helpers import AS_OF, EXAMPLES, adherence, example, intake


@dataclass(frozen=True)
class RenderedPdf:
    path: Path
    text: str  # pdftotext output, whitespace collapsed to single spaces

    @property
    def pages(self) -> int:
        info = subprocess.run(
            ["pdfinfo", str(self.path)], capture_output=True, text=True, check=True
        )
        return int(
            next(line.split()[-1] for line in info.stdout.splitlines() if line.startswith("Pages:"))
        )


def read_pdf(path: Path) -> RenderedPdf:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return RenderedPdf(path, " ".join(out.stdout.split()))


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> dict[tuple[str, str], RenderedPdf]:
    folder = tmp_path_factory.mktemp("reports")
    # Two cores: halve the wall time. Spawned, not forked: the test process may hold other
    # suites' threads (Spark, DuckDB) whose locks a fork would copy.
    with ProcessPoolExecutor(
        max_workers=2, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        futures = {
            (name, audience): pool.submit(
                render_report, record=example(name), audience=audience, as_of=AS_OF
            )
            for name in EXAMPLES
            for audience in ("patient", "clinician")
        }
        found = {}
        for (name, audience), future in futures.items():
            path = folder / f"{name}-{audience}.pdf"
            path.write_bytes(future.result())
            found[(name, audience)] = read_pdf(path)
    return found


@pytest.fixture(scope="session")
def with_summaries(tmp_path_factory) -> dict[str, RenderedPdf]:
    """The osteoporosis example with a food diary and an exercise log, on Letter paper."""
    folder = tmp_path_factory.mktemp("summaries")
    found = {}
    for audience in ("patient", "clinician"):
        path = folder / f"{audience}.pdf"
        path.write_bytes(
            render_report(
                record=example("osteoporosis"),
                audience=audience,
                as_of=AS_OF,
                page_size="letter",
                intake=intake(),
                adherence=adherence(),
            )
        )
        found[audience] = read_pdf(path)
    return found
