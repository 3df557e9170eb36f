"""Load the versioned, cited measure definitions (measures.toml) into typed values.

Numbers come either from `bonewise.evidence` (by constant name, so the hadji-2017 thresholds
exist once) or from the file itself with their source and evidence tag. Either way the rules
receive `Cited` values and the report can print where each number came from.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any, cast, get_args

from bonewise import evidence
from bonewise.evidence import Cited, Evidence, Source
from bonewise.policies import CONFIGURABLE, policy

MEASURE_IDS = (
    "baseline-dxa",
    "dxa-overdue",
    "therapy-gap",
    "denosumab-lapse",
    "vitamin-d-recheck",
)


class MeasureDefinitionError(ValueError):
    """measures.toml is inconsistent: names the entry, the value and what is allowed."""


@dataclass(frozen=True, slots=True)
class Measure:
    id: str
    version: str
    title: str
    index_date: str
    denominator: str
    numerator: str
    window: str
    action: str
    parameters: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MeasureSet:
    name: str
    version: str
    title: str
    initial_population: str
    exclusions: str
    parameters: dict[str, Cited[Any]]
    measures: tuple[Measure, ...]
    # parameter name -> the site policy (bonewise.policies) it reads, resolved on every load
    policies: dict[str, str] = field(default_factory=dict)

    def measure(self, measure_id: str) -> Measure:
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise KeyError(f"no measure {measure_id!r}: known are {', '.join(MEASURE_IDS)}")

    def number(self, name: str) -> Any:
        """The value of a parameter (its citation stays in `parameters`)."""
        return self.parameters[name].value


def _known_sources() -> dict[str, Source]:
    return {v.key: v for v in vars(evidence).values() if isinstance(v, Source)}


def _parameter(name: str, spec: dict[str, Any], sources: dict[str, Source]) -> Cited[Any]:
    if "from_evidence" in spec:
        constant = getattr(evidence, spec["from_evidence"], None)
        if not isinstance(constant, Cited):
            raise MeasureDefinitionError(
                f"parameter {name}: from_evidence={spec['from_evidence']!r} is not a Cited "
                "constant of bonewise.evidence"
            )
        if "index" not in spec:
            return (
                policy(spec["from_evidence"]) if spec["from_evidence"] in CONFIGURABLE else constant
            )
        value = constant.value[int(spec["index"])]
        note = spec.get("note", constant.note)
        return Cited(value, constant.source, constant.evidence, note)
    source_key = spec.get("source")
    if source_key not in sources:
        raise MeasureDefinitionError(
            f"parameter {name}: source {source_key!r} unknown; use one of {sorted(sources)}"
        )
    tag = spec.get("evidence")
    if tag not in get_args(Evidence):
        raise MeasureDefinitionError(
            f"parameter {name}: evidence {tag!r} not allowed; use one of {get_args(Evidence)}"
        )
    return Cited(spec["value"], sources[source_key], cast(Evidence, tag), spec.get("note", ""))


def parse_measures(text: str) -> MeasureSet:
    data = tomllib.loads(text)
    sources = _known_sources()
    for key, spec in data.get("sources", {}).items():
        sources[key] = Source(key, " ".join(spec["citation"].split()))
    parameters = {
        name: _parameter(name, spec, sources) for name, spec in data["parameters"].items()
    }
    measures = []
    for spec in data["measure"]:
        missing = [p for p in spec["parameters"] if p not in parameters]
        if missing:
            raise MeasureDefinitionError(f"measure {spec['id']}: unknown parameters {missing}")
        measures.append(
            Measure(
                id=spec["id"],
                version=spec["version"],
                title=spec["title"],
                index_date=spec["index_date"],
                denominator=" ".join(spec["denominator"].split()),
                numerator=" ".join(spec["numerator"].split()),
                window=spec["window"],
                action=" ".join(spec["action"].split()),
                parameters=tuple(spec["parameters"]),
            )
        )
    ids = tuple(m.id for m in measures)
    if ids != MEASURE_IDS:
        raise MeasureDefinitionError(f"measures {ids} do not match the implemented {MEASURE_IDS}")
    return MeasureSet(
        name=data["measure_set"],
        version=data["version"],
        title=data["title"],
        initial_population=" ".join(data["initial_population"].split()),
        exclusions=" ".join(data["exclusions"].split()),
        parameters=parameters,
        measures=tuple(measures),
        policies={
            name: spec["from_evidence"]
            for name, spec in data["parameters"].items()
            if spec.get("from_evidence") in CONFIGURABLE and "index" not in spec
        },
    )


@cache
def _shipped() -> MeasureSet:
    text = resources.files("bonewise.measures").joinpath("measures.toml").read_text("utf-8")
    return parse_measures(text)


def load_measures() -> MeasureSet:
    """The measure set shipped with bonewise (measures/measures.toml), with this site's
    policies (bonewise.policies) as they are set now."""
    shipped = _shipped()
    if not shipped.policies:
        return shipped
    current = {name: policy(constant) for name, constant in shipped.policies.items()}
    if all(current[name] is shipped.parameters[name] for name in current):
        return shipped
    return replace(shipped, parameters={**shipped.parameters, **current})
