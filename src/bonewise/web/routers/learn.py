"""Learn: short pages in plain words on why an aromatase inhibitor thins bone and why each
pillar helps. Built from the seed article, with its references checked against the clinical
reference: the seed's ARBI citation (Fountzilas 2012) and its '150 minutes' citation (Haque
2021) could not be confirmed, so these pages cite Markopoulos 2010 and Kwan 2021/2023 instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from bonewise import evidence
from bonewise.evidence import Source
from bonewise.exercise import guidance
from bonewise.web import learn_facts, pages
from bonewise.web.learn_facts import KWAN_2021

router = APIRouter()


@dataclass(frozen=True, slots=True)
class Topic:
    slug: str
    title: str
    summary: str
    sources: tuple[Source, ...]


TOPICS: tuple[Topic, ...] = (
    Topic(
        "why-bone-thins",
        "Why an aromatase inhibitor thins bone",
        "Estrogen keeps bone building and bone removal in balance. Your medicine lowers "
        "estrogen, so removal speeds up.",
        (evidence.HADJI_2017, evidence.SEED),
    ),
    Topic(
        "calcium-and-vitamin-d",
        "Calcium and vitamin D",
        "Calcium is what bone is made of; vitamin D lets you absorb it.",
        (evidence.HADJI_2017, evidence.ASCO_2019),
    ),
    Topic(
        "exercise",
        "Moving for your bones",
        "Weight-bearing, strength and balance exercise tell bone to stay strong and make falls "
        "less likely.",
        (KWAN_2021, guidance.TOO_FIT_TO_FRACTURE, guidance.PAG_2018),
    ),
    Topic(
        "bone-medicines",
        "Bone medicines and the ARBI trial",
        "Some women also need a bone-protecting medicine. What a trial showed, and what to ask "
        "your team.",
        (evidence.MARKOPOULOS_2010, evidence.HADJI_2017, evidence.ASCO_2019),
    ),
)
_BY_SLUG = {t.slug: t for t in TOPICS}


@router.get("/learn", include_in_schema=False)
def learn_index(request: Request) -> Response:
    return pages.render(request, "learn_index.html", {"topics": TOPICS})


@router.get("/learn/{slug}", include_in_schema=False)
def learn_topic(request: Request, slug: str) -> Response:
    topic = _BY_SLUG.get(slug)
    if topic is None:
        raise HTTPException(status_code=404, detail=f"no Learn page {slug!r}")
    return pages.render(
        request,
        f"learn/{topic.slug}.html",
        {"topic": topic, "topics": TOPICS, "ev": evidence, "f": learn_facts, "ex": guidance},
    )
