"""The `bonewise` command: one Typer sub-app per feature, each in its own module here."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="bonewise",
    help="Bone health for women on aromatase inhibitors: decision support for review, "
    "never a verdict.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# Feature registration: each feature adds exactly one line here (keep the list sorted).
# --- features ---
from bonewise.cli import assess, patient  # noqa: E402
from bonewise.cli import food  # noqa: E402
from bonewise.cli import exercise  # noqa: E402
from bonewise.cli import report  # noqa: E402
from bonewise.cli import serve  # noqa: E402

app.command("assess")(assess.assess_command)
app.add_typer(patient.app, name="patient")
app.add_typer(food.app, name="food")
app.add_typer(food.diary_app, name="diary")
app.add_typer(food.nutrition_app, name="nutrition")
app.add_typer(exercise.app, name="exercise")
app.command("report")(report.report_command)
app.command("serve")(serve.serve_command)
app.command("demo")(serve.demo_command)
# --- end features ---
