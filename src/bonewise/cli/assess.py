"""`bonewise assess` and `bonewise patient`: the clinical assessment of one patient."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bonewise.cli.common import fail, load_patient_or_exit, parse_day, print_json
from bonewise.clinical.assessment import Assessment, assess
from bonewise.clinical.input_words import inputs_words
from bonewise.clinical.models import PatientRecord

console = Console()


def assess_command(
    patient_file: Annotated[
        Path | None,
        typer.Argument(
            help="Patient file: native JSON (see --schema), a FHIR R4 Bundle or FHIR NDJSON, told apart by content."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Assessment as JSON.")] = False,
    schema: Annotated[
        bool, typer.Option("--schema", help="Print the patient file's JSON schema and exit.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Evaluate on this day (YYYY-MM-DD); default today."),
    ] = None,
) -> None:
    """Assess one patient: WHO category, each guideline side by side, alerts, monitoring, gaps."""
    if schema:
        print_json(PatientRecord.model_json_schema())
        return
    if patient_file is None:
        fail("give a PATIENT_FILE, or --schema")
    day = parse_day(as_of)
    record = load_patient_or_exit(patient_file, today=day)
    result = assess(record, as_of=day)  # FHIR input: its assumptions are in the record
    if as_json:
        print_json(result.to_json())
    else:
        render(result)
        for a in result.assumptions:
            console.print(f"Assumed: {a.line}")


def render(result: Assessment) -> None:
    console.print(f"[bold]bonewise assessment[/bold] for {result.patient_id} on {result.as_of}")
    console.print(f"[dim]{result.disclaimer}[/dim]\n")
    category = result.who_category or "not assigned"
    console.print(f"Age {result.age}; BMI {result.bmi if result.bmi is not None else 'unknown'}")
    console.print(f"WHO category: [bold]{category}[/bold]")
    if result.clinical_osteoporosis.present:
        console.print(
            "[bold]Clinical osteoporosis[/bold]: " + "; ".join(result.clinical_osteoporosis.reasons)
        )
    if result.ovarian_suppression:
        console.print("Ovarian suppression: yes (Z-scores shown beside the T-scores)")
    if result.lowest_t_score:
        t = result.lowest_t_score
        console.print(
            f"Lowest T-score: {t.value:+.1f} at {t.site.replace('_', ' ')} ({t.scan_date}; {t.basis})"
        )
    for z in result.z_scores:
        console.print(f"Z-score {z.value:+.1f} at {z.site.replace('_', ' ')}: {z.interpretation}")
    for change in result.bmd_changes:
        if change.lsc_percent is None:
            against = "LSC unknown"
        else:
            verdict = "exceeds" if change.significant else "within"
            against = f"{verdict} LSC {change.lsc_percent:.1f}%"
        console.print(
            f"BMD change at {change.site.replace('_', ' ')}: {change.percent:+.1f}% ({against}; "
            f"{change.note})"
        )

    table = Table(title="Guidelines side by side", show_lines=True)
    table.add_column("rule set")
    table.add_column("bone-directed therapy")
    table.add_column("why")
    for name, decision in result.guidelines.items():
        verdict = {True: "indicated", False: "not indicated", None: decision.determinacy}[
            decision.bone_directed_therapy
        ]
        if decision.bone_directed_therapy is not None and not result.decides_therapy(name):
            verdict = "patient education (not a therapy decision)"
        if decision.determinacy == "provisional":
            verdict += " (provisional)"
        why = "; ".join(decision.reasons) + f"\nrule: {decision.rule_id}"
        if decision.would_change_if:
            why += "\nwould change if: " + "; ".join(decision.would_change_if)
        if decision.missing:
            why += "\nmissing: " + ", ".join(decision.missing)
        if decision.frax_inputs:
            why += "\nFRAX inputs on record: " + inputs_words(decision.frax_inputs)
        table.add_row(f"{name} ({decision.version})", verdict, why)
    console.print(table)
    bt = result.bone_therapy
    if bt.status != "none":
        console.print(
            f"\n[bold]Bone-directed therapy[/bold]: {bt.agent} ({bt.status}); started "
            f"{bt.started} ({bt.started_from}); last dose {bt.last_dose} ({bt.last_dose_from})"
            + (
                f"; next dose due {bt.next_dose_due} ({bt.next_dose_due_from})"
                if bt.next_dose_due
                else ""
            )
            + (f"; ended {bt.ended}" if bt.ended else "")
        )

    for alert in result.alerts:
        colour = {"critical": "red", "warning": "yellow", "info": "cyan"}[alert.severity]
        console.print(f"[{colour}]ALERT {alert.id}[/{colour}]: {alert.text}")
    if result.automation.stopped:
        console.print(
            "[red]Automated plans stopped; route to a clinician:[/red] "
            + "; ".join(result.automation.reasons)
        )
    for why in result.automation.limited_reasons:
        console.print(f"[yellow]Exercise limited:[/yellow] {why}")
    console.print("\n[bold]Recommendations[/bold]")
    for rec in result.recommendations + result.safety_checks:
        console.print(f"- [{rec.audience}] {rec.text}")
        console.print(f"  [dim]{rec.rule_id} | {rec.evidence} | {rec.citation}[/dim]")
    m = result.monitoring
    console.print("\n[bold]Monitoring[/bold]")
    console.print(f"Next DXA due: {m.next_dxa_due or 'n/a'} (last: {m.last_dxa or 'none'})")
    if m.vitamin_d_recheck_due:
        console.print(f"Vitamin D recheck due: {m.vitamin_d_recheck_due}")
    if m.next_denosumab_dose_due:
        console.print(f"Next denosumab dose due: {m.next_denosumab_dose_due}")
    if m.overdue:
        console.print(f"[yellow]Overdue today: {', '.join(m.overdue)}[/yellow]")
    if result.data_gaps:
        console.print("\n[bold]Data gaps[/bold]")
        for gap in result.data_gaps:
            console.print(f"- {gap.field}: {gap.why} (blocks: {', '.join(gap.blocks)})")
