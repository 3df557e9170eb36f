"""`bonewise serve` runs the web app; `bonewise demo` prepares a demo and serves it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from bonewise.store.db import default_database_url

HostOption = Annotated[str, typer.Option("--host", help="Address to listen on.")]
PortOption = Annotated[int, typer.Option("--port", help="TCP port (1-65535).")]
UrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL; default BONEWISE_DATABASE_URL or a SQLite file in your data "
        "directory.",
    ),
]


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _check_port(port: int) -> None:
    if not 1 <= port <= 65535:
        _fail(f"--port {port} is not allowed: use 1-65535")


WorkersOption = Annotated[
    int,
    typer.Option(
        "--workers",
        help="Server processes (1-64). More than one needs PostgreSQL: sessions, sign-in "
        "throttling and record locks are shared through the database.",
    ),
]
ForwardedOption = Annotated[
    str | None,
    typer.Option(
        "--forwarded-allow-ips",
        help="Comma-separated addresses of the reverse proxy whose X-Forwarded-For and "
        "X-Forwarded-Proto headers are trusted (so the client address and https are seen "
        "through it; HSTS is sent only over https). Default FORWARDED_ALLOW_IPS or 127.0.0.1.",
    ),
]


def _check_workers(workers: int, url: str) -> None:
    if not 1 <= workers <= 64:
        _fail(f"--workers {workers} is not allowed: use 1-64")
    if workers > 1 and not url.startswith("postgresql"):
        _fail(
            f"--workers {workers} needs PostgreSQL (--database-url postgresql+psycopg://...): "
            "SQLite lets one process write at a time"
        )


def _run(
    url: str, host: str, port: int, *, workers: int = 1, forwarded_allow_ips: str | None = None
) -> None:
    import os
    import secrets

    import uvicorn

    from bonewise.store.uow import open_store
    from bonewise.web.app import SECRET_ENV

    # Migrate once, here, before any worker starts; the workers inherit the URL and one
    # secret key (generated for this run when none is configured).
    open_store(url).kw["bind"].dispose()
    os.environ["BONEWISE_DATABASE_URL"] = url
    os.environ.setdefault(SECRET_ENV, secrets.token_urlsafe(32))
    typer.echo(
        f"bonewise on http://{host}:{port}  (database: {_redacted(url)}; "
        f"{workers} worker{'s' if workers > 1 else ''})"
    )
    uvicorn.run(
        "bonewise.web.asgi:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        timeout_graceful_shutdown=5,
        server_header=False,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips or os.environ.get("FORWARDED_ALLOW_IPS"),
    )


def _redacted(url: str) -> str:
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, _ = head.partition("://")
    return f"{scheme}://***@{tail}"


def serve_command(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    database_url: UrlOption = None,
    workers: WorkersOption = 1,
    forwarded_allow_ips: ForwardedOption = None,
) -> None:
    """Serve the web app (pages and JSON API; API description at /docs). Production settings
    (workers, proxy, request size limits): docs/deployment.md."""
    _check_port(port)
    url = database_url or default_database_url()
    _check_workers(workers, url)
    _run(url, host, port, workers=workers, forwarded_allow_ips=forwarded_allow_ips)


def demo_command(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    database_url: UrlOption = None,
    examples: Annotated[
        Path | None,
        typer.Option(
            "--examples",
            help="Folder of example patient JSON files "
            "(default: the repository's examples/patients).",
        ),
    ] = None,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Prepare the demo and exit without serving.")
    ] = False,
    mail_dir: Annotated[
        Path | None,
        typer.Option(
            "--mail-dir",
            help="Folder (a Maildir) where the demo's local SMTP sink keeps every message the "
            "app sends (default: 'demo-mail' in your data directory). Not used when "
            "BONEWISE_SMTP_HOST is set: the demo then sends through that server.",
        ),
    ] = None,
) -> None:
    """Migrate, load the SR28 food database, create a demo clinician and patient with a few
    months of history, print their sign-in details, start a local SMTP sink on loopback (its
    messages land in a folder, printed), and serve http://HOST:PORT."""
    _check_port(port)
    from bonewise.services.access import LOCAL_OPERATOR
    from bonewise.services.demo import default_examples_dir, seed_demo
    from bonewise.services.nutrition import ensure_food_database
    from bonewise.store.uow import UnitOfWork, open_store

    folder = examples or default_examples_dir()
    if not folder.is_dir():
        _fail(f"--examples {folder} is not a folder of example patients")
    url = database_url or default_database_url()
    factory = open_store(url)
    typer.echo("Loading the USDA SR28 food database (first run only, a few seconds)...")
    foods = ensure_food_database(uow=UnitOfWork(factory), actor=LOCAL_OPERATOR)
    typer.echo(f"  {foods:,} foods ready")
    accounts = seed_demo(factory, today=date.today(), examples=folder)
    typer.echo("Demo accounts " + ("created:" if accounts.created else "(already there):"))
    typer.echo(f"  clinician  {accounts.clinician_email}  password {accounts.clinician_password}")
    typer.echo(f"  patient    {accounts.patient_email}  password {accounts.patient_password}")
    factory.kw["bind"].dispose()
    if no_serve:
        return
    import os

    from platformdirs import user_data_dir

    if os.environ.get("BONEWISE_SMTP_HOST"):
        typer.echo(f"E-mail goes through {os.environ['BONEWISE_SMTP_HOST']} (BONEWISE_SMTP_*)")
        _run(url, host, port)
        return
    from bonewise.mail.sink import SmtpSink

    folder = mail_dir or Path(user_data_dir("bonewise", appauthor=False)) / "demo-mail"
    with SmtpSink(folder) as sink:
        os.environ.update(sink.env())
        os.environ.setdefault("BONEWISE_PUBLIC_URL", f"http://{host}:{port}")
        typer.echo(
            f"Local SMTP sink on {sink.host}:{sink.port}: every e-mail the app sends is kept "
            f"in {folder / 'new'} (one file per message)"
        )
        _run(url, host, port)
