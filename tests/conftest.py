"""Settings shared by every test.

Hypothesis's timing checks (the per-example deadline and the "too slow" health check) measure
wall time; on the 2-core CI machine, with browsers, PostgreSQL and Spark running beside the unit
tests, they fail on load rather than on code. The properties themselves are unchanged.

Once the tests are collected, the objects alive then (imported modules, the collected tests)
are moved out of the garbage collector's sight (`gc.freeze`): they live until the session ends,
and every full collection during the run would walk them all again.
"""

import gc

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("bonewise", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("bonewise")


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.collect()
    gc.freeze()
