"""records as rows: labs, DXA scans, bone-therapy courses and doses, risk-factor answers

Moves those sections out of the patient document (patients.record) into tables of their own, so
adding a lab or a scan inserts a row instead of rewriting the record. Downgrade puts them back
into the document in the repository's fixed order.

Revision ID: 0007_records_rows
Revises: 0001_patients
"""

import json
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007_records_rows"
down_revision = "0001_patients"
branch_labels = None
depends_on = None

RISK_FACTORS = (
    "prior_fragility_fracture_after_50",
    "vertebral_fracture",
    "parental_hip_fracture",
    "oral_glucocorticoids_over_6_months",
    "smoking",
    "alcohol_3_or_more_units_per_day",
    "rheumatoid_arthritis",
    "falls_last_12_months",
    "bone_metastases",
)
LAB_KINDS = ("25_oh_vitamin_d", "serum_calcium", "creatinine_clearance")

patients = sa.table("patients", sa.column("id", sa.String), sa.column("record", sa.JSON))
labs = sa.table(
    "patient_labs",
    sa.column("id", sa.Integer),
    sa.column("patient_id", sa.String),
    sa.column("kind", sa.String),
    sa.column("day", sa.Date),
    sa.column("value", sa.Float),
    sa.column("unit", sa.String),
)
scans = sa.table(
    "patient_dxa_scans",
    sa.column("id", sa.Integer),
    sa.column("patient_id", sa.String),
    sa.column("day", sa.Date),
    sa.column("scan", sa.JSON),
)
courses = sa.table(
    "bone_therapy_courses",
    sa.column("id", sa.Integer),
    sa.column("patient_id", sa.String),
    sa.column("agent", sa.String),
    sa.column("dose_mg", sa.Float),
    sa.column("start_date", sa.Date),
    sa.column("end_date", sa.Date),
)
doses = sa.table(
    "bone_therapy_doses",
    sa.column("course_id", sa.Integer),
    sa.column("day", sa.Date),
)
answers = sa.table(
    "risk_factor_answers",
    sa.column("patient_id", sa.String),
    sa.column("factor", sa.String),
    sa.column("answer", sa.JSON(none_as_null=True)),
    sa.column("provenance", sa.JSON(none_as_null=True)),
    sa.column("unsure", sa.Boolean),
)


def _patient_fk() -> sa.ForeignKey:
    return sa.ForeignKey("patients.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "patient_labs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("patient_id", sa.String(64), _patient_fk(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
    )
    op.create_index("ix_patient_labs_patient_id", "patient_labs", ["patient_id"])
    op.create_table(
        "patient_dxa_scans",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("patient_id", sa.String(64), _patient_fk(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("scan", sa.JSON(), nullable=False),
    )
    op.create_index("ix_patient_dxa_scans_patient_id", "patient_dxa_scans", ["patient_id"])
    op.create_table(
        "bone_therapy_courses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("patient_id", sa.String(64), _patient_fk(), nullable=False),
        sa.Column("agent", sa.String(32), nullable=False),
        sa.Column("dose_mg", sa.Float(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
    )
    op.create_index("ix_bone_therapy_courses_patient_id", "bone_therapy_courses", ["patient_id"])
    op.create_table(
        "bone_therapy_doses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "course_id",
            sa.Integer(),
            sa.ForeignKey("bone_therapy_courses.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.UniqueConstraint("course_id", "day", name="uq_bone_therapy_doses_day"),
    )
    op.create_index("ix_bone_therapy_doses_course_id", "bone_therapy_doses", ["course_id"])
    op.create_table(
        "risk_factor_answers",
        sa.Column("patient_id", sa.String(64), _patient_fk(), primary_key=True),
        sa.Column("factor", sa.String(64), primary_key=True),
        sa.Column("answer", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("provenance", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("unsure", sa.Boolean(), nullable=False),
    )

    bind = op.get_bind()
    for pid, record in bind.execute(sa.select(patients.c.id, patients.c.record)).all():
        record = dict(record)
        for lab in record.pop("labs", None) or []:
            bind.execute(
                labs.insert().values(
                    patient_id=pid,
                    kind=lab["kind"],
                    day=date.fromisoformat(lab["date"]),
                    value=float(lab["value"]),
                    unit=lab["unit"],
                )
            )
        for scan in record.pop("dxa_scans", None) or []:
            bind.execute(
                scans.insert().values(
                    patient_id=pid, day=date.fromisoformat(scan["date"]), scan=scan
                )
            )
        for course in record.pop("bone_therapy", None) or []:
            course_id = bind.execute(
                courses.insert()
                .values(
                    patient_id=pid,
                    agent=course["agent"],
                    dose_mg=course.get("dose_mg"),
                    start_date=_day(course.get("start_date")),
                    end_date=_day(course.get("end_date")),
                )
                .returning(courses.c.id)
            ).scalar_one()
            for day in sorted(set(course.get("doses") or [])):
                bind.execute(doses.insert().values(course_id=course_id, day=_day(day)))
        factors = record.pop("risk_factors", None) or {}
        provenance = factors.get("provenance") or {}
        for name in RISK_FACTORS:
            if factors.get(name) is None and name not in provenance:
                continue
            bind.execute(
                answers.insert().values(
                    patient_id=pid,
                    factor=name,
                    answer=factors.get(name),
                    provenance=provenance.get(name),
                    unsure=bool((provenance.get(name) or {}).get("unsure")),
                )
            )
        bind.execute(patients.update().where(patients.c.id == pid).values(record=record))


def downgrade() -> None:
    bind = op.get_bind()
    for pid, record in bind.execute(sa.select(patients.c.id, patients.c.record)).all():
        record = dict(record)
        found_labs = [
            {"kind": kind, "date": day.isoformat(), "value": value, "unit": unit}
            for kind, day, value, unit in bind.execute(
                sa.select(labs.c.kind, labs.c.day, labs.c.value, labs.c.unit)
                .where(labs.c.patient_id == pid)
                .order_by(labs.c.id)
            )
        ]
        record["labs"] = sorted(found_labs, key=_lab_order)
        found_scans = [
            scan
            for (scan,) in bind.execute(
                sa.select(scans.c.scan).where(scans.c.patient_id == pid).order_by(scans.c.id)
            )
        ]
        record["dxa_scans"] = sorted(
            found_scans, key=lambda s: (s["date"], json.dumps(s, sort_keys=True))
        )
        found_courses = []
        for course_id, agent, dose_mg, start, end in bind.execute(
            sa.select(
                courses.c.id,
                courses.c.agent,
                courses.c.dose_mg,
                courses.c.start_date,
                courses.c.end_date,
            )
            .where(courses.c.patient_id == pid)
            .order_by(courses.c.id)
        ):
            given = sorted(
                day.isoformat()
                for (day,) in bind.execute(
                    sa.select(doses.c.day).where(doses.c.course_id == course_id)
                )
            )
            found_courses.append(
                {
                    "agent": agent,
                    "dose_mg": dose_mg,
                    "doses": given,
                    "start_date": start.isoformat() if start else None,
                    "end_date": end.isoformat() if end else None,
                }
            )
        record["bone_therapy"] = sorted(found_courses, key=_course_order)
        factors: dict[str, Any] = {}
        for factor, answer, provenance in bind.execute(
            sa.select(answers.c.factor, answers.c.answer, answers.c.provenance).where(
                answers.c.patient_id == pid
            )
        ):
            factors[factor] = answer
            if provenance is not None:
                factors.setdefault("provenance", {})[factor] = provenance
        record["risk_factors"] = factors
        bind.execute(patients.update().where(patients.c.id == pid).values(record=record))
    op.drop_table("risk_factor_answers")
    op.drop_index("ix_bone_therapy_doses_course_id", table_name="bone_therapy_doses")
    op.drop_table("bone_therapy_doses")
    op.drop_index("ix_bone_therapy_courses_patient_id", table_name="bone_therapy_courses")
    op.drop_table("bone_therapy_courses")
    op.drop_index("ix_patient_dxa_scans_patient_id", table_name="patient_dxa_scans")
    op.drop_table("patient_dxa_scans")
    op.drop_index("ix_patient_labs_patient_id", table_name="patient_labs")
    op.drop_table("patient_labs")


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


# The repository's fixed order (store/patients.py), frozen here as this revision knew it.
def _lab_order(lab: dict[str, Any]) -> tuple[Any, ...]:
    kind = lab["kind"]
    index = LAB_KINDS.index(kind) if kind in LAB_KINDS else 99
    return (lab["date"], index, lab["value"], lab["unit"])


def _course_order(course: dict[str, Any]) -> tuple[Any, ...]:
    given = course["doses"]
    started = course.get("start_date") or (given[0] if given else "")
    return (started, course["agent"])  # ties keep the row order (sorted() is stable)
