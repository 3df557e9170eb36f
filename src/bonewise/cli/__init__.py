"""The `bonewise` command: one Typer sub-app per feature, each in its own module here.

Features load on first use, so `bonewise assess` does not pay for the web app, the PDF engine
or the analytics engines.
"""

from __future__ import annotations

import importlib

import typer
from typer.core import TyperGroup, _click  # typer's own click, which TyperGroup subclasses

# Feature registration: command name -> (module, attribute). The attribute is a Typer app (a
# command group) or a plain function (a single command). Each feature adds one line.
# --- features ---
FEATURES: dict[str, tuple[str, str]] = {
    "assess": ("bonewise.cli.assess", "assess_command"),
    "patient": ("bonewise.cli.patient", "app"),
    "food": ("bonewise.cli.food", "app"),
    "diary": ("bonewise.cli.food", "diary_app"),
    "nutrition": ("bonewise.cli.food", "nutrition_app"),
    "exercise": ("bonewise.cli.exercise", "app"),
    "report": ("bonewise.cli.report", "report_command"),
    "serve": ("bonewise.cli.serve", "serve_command"),
    "demo": ("bonewise.cli.serve", "demo_command"),
    "fhir": ("bonewise.cli.fhir", "app"),
    "cohort": ("bonewise.cli.cohort", "app"),
    "reminders": ("bonewise.cli.reminders", "app"),
}
# --- end features ---


_COMPLETION_OPTIONS = ("install_completion", "show_completion")


class _LazyFeatures(TyperGroup):
    def list_commands(self, ctx: _click.Context) -> list[str]:
        return list(FEATURES)

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        if cmd_name not in FEATURES:
            return None
        module_name, attribute = FEATURES[cmd_name]
        target = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(target, typer.Typer):
            single = typer.Typer()
            single.command(cmd_name)(target)
            target = single
        command = typer.main.get_command(target)
        command.name = cmd_name
        # Shell completion is installed from the top-level command only.
        command.params = [p for p in command.params if p.name not in _COMPLETION_OPTIONS]
        return command


app = typer.Typer(
    name="bonewise",
    cls=_LazyFeatures,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main() -> None:
    """Bone health for women on aromatase inhibitors: decision support for review, never a
    verdict."""
