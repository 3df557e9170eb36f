"""The seed's exercise table, checked from a plan's JSON alone (no flag the planner sets).

Each exercise's impact, spinal loading, weight-bearing and muscle groups are looked up in the
catalogue by id, so the checks do not trust what the plan says about its own exercises.
"""

from itertools import combinations

from bonewise.exercise.catalogue import default_catalogue

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MUSCLE_GROUPS = {"legs", "arms", "chest", "shoulders", "back"}
LOADED_EQUIPMENT = {"dumbbells", "resistance_band", "weight_machine"}


def sessions(plan, kind=None):
    for index, day in enumerate(plan["days"]):
        for session in day["sessions"]:
            if kind is None or session["kind"] == kind:
                yield index, session


def exercise_of(session):
    return default_catalogue().get_or_raise(session["exercise"]["id"])


def table_violations(plan, *, aerobic_minutes=150):
    """Every way the plan misses the table; `aerobic_minutes` is the week's aerobic floor."""
    found = []
    if [d["day"] for d in plan["days"]] != WEEKDAYS:
        found.append("days are not Monday..Sunday")
    for _, s in sessions(plan):
        e = exercise_of(s)
        if (
            e.kind != s["kind"]
            or s["exercise"]["impact"] != e.impact
            or (s["exercise"]["loaded_spinal_flexion_or_twist"] != e.loaded_spinal_flexion_or_twist)
        ):
            found.append(f"{e.id}: plan misdescribes the exercise")
    aerobic = list(sessions(plan, "aerobic"))
    total = 0
    for _, s in aerobic:
        e = exercise_of(s)
        if s["minutes"] < 10:
            found.append(f"aerobic bout of {s['minutes']} min")
        if not e.weight_bearing:
            found.append(f"aerobic {e.id} is not weight-bearing")
        if e.intensity != "moderate":
            found.append(f"aerobic {e.id} is {e.intensity}")
        total += s["minutes"]
    if total < aerobic_minutes:
        found.append(f"aerobic total {total} < {aerobic_minutes}")
    aerobic_days = {i for i, _ in aerobic}
    if not 3 <= len(aerobic_days) <= 5:
        found.append(f"aerobic on {len(aerobic_days)} days")

    resistance = list(sessions(plan, "resistance"))
    strength_days = sorted({i for i, _ in resistance})
    if not 2 <= len(strength_days) <= 3:
        found.append(f"resistance on {len(strength_days)} days")
    for a, b in combinations(strength_days, 2):
        if min(abs(a - b), 7 - abs(a - b)) < 2:
            found.append(f"resistance on consecutive days {WEEKDAYS[a]}, {WEEKDAYS[b]}")
    for day in strength_days:
        covered = set().union(*(exercise_of(s).muscle_groups for i, s in resistance if i == day))
        if not covered >= MUSCLE_GROUPS:
            found.append(f"{WEEKDAYS[day]} misses {sorted(MUSCLE_GROUPS - covered)}")
    for _, s in resistance:
        if not (1 <= s["sets"] <= 3 and 8 <= s["reps"] <= 12 and 5 <= s["effort"] <= 8):
            found.append(f"{s['exercise']['id']}: {s['sets']}x{s['reps']} @ {s['effort']}")

    for kind in ("balance", "flexibility"):
        days = {i for i, _ in sessions(plan, kind)}
        if days != set(range(7)):
            found.append(f"{kind} missing on {sorted(set(range(7)) - days)}")
    return found


def spine_sparing_violations(plan, *, vertebral_fracture=False, physio_cleared=False):
    found = []
    for _, s in sessions(plan):
        e = exercise_of(s)
        if e.impact == "high":
            found.append(f"{e.id} is high impact")
        if e.loaded_spinal_flexion_or_twist:
            found.append(f"{e.id} bends or twists the spine under load")
        if vertebral_fracture and not physio_cleared and e.equipment & LOADED_EQUIPMENT:
            found.append(f"{e.id} uses weights before a physiotherapist has seen her")
        if vertebral_fracture and e.intensity == "vigorous":
            found.append(f"{e.id} is vigorous")
    posture_days = {
        i for i, s in sessions(plan, "posture") if "back" in exercise_of(s).muscle_groups
    }
    if posture_days != set(range(7)):
        found.append(f"no back-extensor/posture work on {sorted(set(range(7)) - posture_days)}")
    return found
