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
from bonewise.web import pages

router = APIRouter()

KWAN_2021 = Source(
    "kwan-2021",
    "Kwan ML et al. Exercise and fracture risk in women with breast cancer on aromatase "
    "inhibitors (Kaiser Permanente Northern California). J Cancer Surviv 2021, published "
    "2023;17:139-149. doi:10.1007/s11764-021-00993-0 (PMC8349930)",
)
GIANGREGORIO_2014 = Source(
    "too-fit-to-fracture-2014",
    "Giangregorio LM et al. Too Fit To Fracture: exercise recommendations for individuals "
    "with osteoporosis or osteoporotic vertebral fracture. Osteoporos Int 2014. "
    "doi:10.1007/s00198-013-2523-2",
)
PAGA_2018 = Source(
    "paga-2018", "Physical Activity Guidelines for Americans, 2nd edition (2018): 150 min/week"
)


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
        (KWAN_2021, GIANGREGORIO_2014, PAGA_2018),
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
        {"topic": topic, "topics": TOPICS, "ev": evidence},
    )
