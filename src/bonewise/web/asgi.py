"""The app as each server worker builds it: `uvicorn --factory bonewise.web.asgi:app_from_env`.

`bonewise serve` migrates the database once, then starts the workers; each one builds its app
here from the environment it inherits: BONEWISE_DATABASE_URL and BONEWISE_SECRET_KEY (one key
for every worker, so a CSRF or device cookie signed by one worker is valid at the next).
Sessions, sign-in throttling and record locks live in the database, so they hold across workers.
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from sqlalchemy.engine import make_url

from bonewise.store.db import POOL_SIZE, default_database_url, make_engine
from bonewise.store.uow import session_factory
from bonewise.web.app import SECRET_ENV, create_app, web_threads
from bonewise.web.pages import compile_templates


def worker_database_url(url: str) -> str:
    """On PostgreSQL, name this worker in pg_stat_activity (application_name)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or "application_name" in parsed.query:
        return url
    name = f"bonewise-{os.getpid()}"
    return parsed.update_query_dict({"application_name": name}).render_as_string(
        hide_password=False
    )


def app_from_env() -> FastAPI:
    secret = os.environ.get(SECRET_ENV)
    if not secret:
        raise RuntimeError(f"{SECRET_ENV} is not set: every worker needs the same secret key")
    # A pooled connection for every handler the worker runs at once (none opened per request).
    engine = make_engine(
        worker_database_url(default_database_url()), pool_size=max(POOL_SIZE, web_threads())
    )
    app = create_app(session_factory=session_factory(engine), secret_key=secret)
    compile_templates()
    return app
