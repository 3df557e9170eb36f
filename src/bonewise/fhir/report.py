"""What a FHIR import read, from where, and everything it did not: the import report."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from bonewise.clinical.ehr_assumptions import Assumed
from bonewise.clinical.models import PatientRecord

IssueKind = Literal[
    "unknown-code",
    "rejected",
    "missing-unit",
    "converted",
    "skipped",
    "defaulted",
    "derived",
    "conflict",
    "unconfirmed-code",
    "not-used",
    "context",
    "matched-by-name",
]
# Why an assumption was made (EHR sources: the problem and medication lists are the record).
AssumptionBasis = Literal["absent-from-record", "inferred", "defaulted", "unrecognised-code"]


class FhirImportError(ValueError):
    """The input cannot become a PatientRecord; the report says what was read before it failed."""

    def __init__(self, message: str, *, report: ImportReport | None = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True, slots=True)
class Assumption:
    """A fact the record did not state, taken for the decision and shown wherever it is used.

    field: the PatientRecord field (e.g. "risk_factors.bone_metastases"); value: what was taken;
    basis: why; statement: one line in the clinician's words; confirm: the clinician should confirm.
    """

    field: str
    value: Any
    basis: AssumptionBasis
    statement: str
    sources: tuple[str, ...] = ()
    confirm: bool = False

    @property
    def line(self) -> str:
        """One line in the clinician's words (CLI, cards, reports)."""
        return self.statement + (" - please confirm" if self.confirm else "")


@dataclass(frozen=True, slots=True)
class ImportedValue:
    field: str
    value: Any
    unit: str | None
    source: str
    code: str
    display: str
    evidence: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class ImportIssue:
    kind: IssueKind
    source: str
    message: str
    path: str | None = None
    code: str | None = None


@dataclass
class ImportReport:
    source_name: str = ""
    format: str = ""
    resources_read: int = 0
    resources_by_type: dict[str, int] = field(default_factory=dict)
    values: list[ImportedValue] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)
    assumptions: list[Assumption] = field(default_factory=list)

    def add(
        self,
        kind: IssueKind,
        source: str,
        message: str,
        *,
        path: str | None = None,
        code: str | None = None,
    ) -> None:
        self.issues.append(ImportIssue(kind, source, message, path, code))

    def add_assumption(
        self,
        field_name: str,
        value: Any,
        basis: AssumptionBasis,
        statement: str,
        sources: tuple[str, ...] = (),
        *,
        confirm: bool = False,
    ) -> None:
        self.assumptions.append(Assumption(field_name, value, basis, statement, sources, confirm))

    def add_assumed(self, assumed: Assumed, sources: tuple[str, ...] = ()) -> None:
        """An assumption the core worded (clinical.ehr_assumptions), with the resources read."""
        self.add_assumption(
            assumed.field,
            assumed.value,
            assumed.basis,
            assumed.statement,
            sources,
            confirm=assumed.confirm,
        )

    def assumption_lines(self) -> list[str]:
        """One line per assumption, in the clinician's words (CLI, cards, reports)."""
        return [a.statement + (" - please confirm" if a.confirm else "") for a in self.assumptions]

    def of_kind(self, kind: IssueKind) -> list[ImportIssue]:
        return [issue for issue in self.issues if issue.kind == kind]

    @property
    def unknown_codes(self) -> list[ImportIssue]:
        return self.of_kind("unknown-code")

    @property
    def rejected(self) -> list[ImportIssue]:
        return self.of_kind("rejected")

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source_name,
            "format": self.format,
            "resources_read": self.resources_read,
            "resources_by_type": dict(sorted(self.resources_by_type.items())),
            "counts": dict(sorted(Counter(i.kind for i in self.issues).items())),
            "values": [asdict(v) for v in self.values],
            "issues": [asdict(i) for i in self.issues],
            "assumptions": [asdict(a) for a in self.assumptions],
        }

    def summary_lines(self) -> list[str]:
        counts = Counter(i.kind for i in self.issues)
        lines = [
            f"Read {self.resources_read} resources ({self.format}) from {self.source_name or 'input'}; "
            f"imported {len(self.values)} values.",
        ]
        for kind in (
            "rejected",
            "unknown-code",
            "missing-unit",
            "converted",
            "unconfirmed-code",
            "matched-by-name",
            "conflict",
            "defaulted",
            "derived",
            "skipped",
            "not-used",
            "context",
        ):
            for issue in self.issues:
                if issue.kind == kind:
                    where = f" at {issue.path}" if issue.path else ""
                    code = f" [{issue.code}]" if issue.code else ""
                    lines.append(f"  {kind}: {issue.source}{where}{code}: {issue.message}")
        if not counts:
            lines.append("  no issues recorded")
        if self.assumptions:
            lines.append(
                "Assumed for the decision (the problem and medication lists are the record):"
            )
            lines.extend(f"  {line}" for line in self.assumption_lines())
        return lines


@dataclass(frozen=True, slots=True)
class FhirImport:
    record: PatientRecord
    report: ImportReport
