"""summary.html: counts, charts (inline SVG from bonewise.render.charts), definitions and
malformed rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from bonewise.population.quality import REASONS
from bonewise.render.charts import MeasureBar, measure_counts_chart, measure_rates_chart

if TYPE_CHECKING:
    from bonewise.population.runner import MeasureOutcome, RunResult

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>bonewise care gaps as of {{ r.as_of }}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #bbb;padding:.3rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}figure{margin:1rem 0}figure svg{width:100%;height:auto}.note{color:#444;font-size:.9rem}
dt{font-weight:600;margin-top:.6rem}
</style></head><body>
<h1>{{ ms.title }}</h1>
<p>As of <strong>{{ r.as_of }}</strong>, engine <strong>{{ r.engine }}</strong>, measure set
{{ ms.name }} {{ ms.version }}, source {{ r.source.format }} ({{ r.source.described }}).</p>
<p class="note">Decision support for review by the care team, not a verdict. A gap is a woman in
the denominator, not excluded, not in the numerator: someone whose record suggests an action to
discuss. Missing data are not counted as normal.</p>
<h2>Summary</h2>
<table><thead><tr><th>Measure</th><th>Denominator</th><th>Excluded</th><th>Numerator</th>
<th>Gaps</th><th>of which clinician first</th><th>Performance</th></tr></thead><tbody>
{% for m in ms.measures %}{% set o = r.measures[m.id] %}
<tr><td><a href="{{ m.id }}.csv">{{ m.id }}</a></td><td>{{ o.denominator }}</td><td>{{ o.excluded }}</td>
<td>{{ o.numerator }}</td><td>{{ o.gaps }}</td><td>{{ o.needing_review }}</td><td>{{ rate(o) }}</td></tr>
{% endfor %}</tbody></table>
<p class="note">Each measure's CSV lists its gaps with patient_id, index_date and
clinician_review: women with bone metastases, a fracture in the last 12 months or a fact under a
code bonewise does not know (unconfirmed code) are marked for a clinician to review before any
automated outreach.</p>
<figure>{{ gaps_chart }}<figcaption>Gaps and numerator per measure.</figcaption></figure>
<figure>{{ rate_chart }}<figcaption>Performance rate: numerator / (denominator - excluded).</figcaption></figure>
<h2>Definitions</h2>
<p><strong>Initial population.</strong> {{ ms.initial_population }}</p>
<p><strong>Exclusions.</strong> {{ ms.exclusions }}</p>
<dl>{% for m in ms.measures %}
<dt>{{ m.id }} (v{{ m.version }}): {{ m.title }}</dt>
<dd><p>Index date: {{ m.index_date }}. Window: {{ m.window }}.</p>
<p>Denominator: {{ m.denominator }}</p><p>Numerator: {{ m.numerator }}</p>
<p>For a gap: {{ m.action }}</p>
<ul>{% for p in m.parameters %}{% set c = ms.parameters[p] %}
<li>{{ p }} = {{ c.value }} ({{ c.evidence }}; {{ c.citation }}){% if c.note %}: {{ c.note }}{% endif %}</li>
{% endfor %}</ul></dd>{% endfor %}</dl>
<h2>Malformed rows</h2>
<p class="note">Counted and reported, never silently dropped. Rows with a reason other than
duplicate_id or unknown_person were left out of the measures.</p>
<table><thead><tr><th>Table</th><th>Rows</th>{% for reason in reasons %}<th>{{ reason }}</th>{% endfor %}</tr></thead>
<tbody>{% for table, counts in r.malformed.items() %}<tr><td>{{ table }}</td><td>{{ counts.get("rows", 0) }}</td>
{% for reason in reasons %}<td>{{ counts.get(reason, "") }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>
<dl>{% for reason in reasons %}<dt>{{ reason }}</dt><dd>{{ describe.get(reason, "") }}</dd>{% endfor %}</dl>
</body></html>
"""


def _inline(svg: bytes | None) -> Markup:
    """An SVG document as markup to place in the page (its XML declaration dropped)."""
    if svg is None:
        return Markup("")
    text = svg.decode("utf-8")
    return Markup(text[text.index("<svg") :])


def performance_rate(o: MeasureOutcome) -> float | None:
    """numerator / (denominator - excluded) in percent; None when no woman is eligible."""
    eligible = o.denominator - o.excluded
    if eligible <= 0:
        return None
    return 100.0 * o.numerator / eligible


def _rate(o: MeasureOutcome) -> str:
    rate = performance_rate(o)
    return "n/a" if rate is None else f"{rate:.1f}%"


def _charts(result: RunResult) -> tuple[Markup, Markup]:
    bars = [
        MeasureBar(
            measure_id=i,
            numerator=o.numerator,
            gaps=o.gaps,
            rate_percent=performance_rate(o),
        )
        for i, o in result.measures.items()
    ]
    return _inline(measure_counts_chart(bars)), _inline(measure_rates_chart(bars))


def render_html(result: RunResult) -> str:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    template = env.from_string(_TEMPLATE)
    gaps_chart, rate_chart = _charts(result)
    reasons = sorted({k for counts in result.malformed.values() for k in counts} - {"rows"})
    return template.render(
        r=result,
        ms=result.measure_set,
        rate=_rate,
        gaps_chart=gaps_chart,
        rate_chart=rate_chart,
        reasons=reasons,
        describe=REASONS,
    )
