"""双随机: draw frequencies over a simulated year, hazard weights, inspectors, green-list exemption, replay."""

from collections import Counter
from datetime import date, datetime, time

from sqlmodel import select

from inspection.clock import SHANGHAI
from inspection.models import Draw, InspectionTask
from inspection.planning import draw
from inspection.planning.draw import Candidate, DrawPolicy
from schemas.enums import Role
from schemas.tasks import TaskSource
from tests import factories

PARAMS = DrawPolicy().params()


def simulate_year(pool: list[Candidate], inspectors: list[int], params=PARAMS, seed0: int = 1000):
    """Twelve monthly draws, each with a fresh seed; each month's teams are the next month's "last time"."""
    picks_per_enterprise: Counter[int] = Counter()
    last: dict[int, tuple[int, ...]] = {}
    months = []
    for month in range(12):
        candidates = [Candidate(c.enterprise_id, c.risk_class, c.open_hazards, c.overdue_hazards,
                                last.get(c.enterprise_id, ())) for c in pool]
        picks = draw.pick(seed0 + month, candidates, inspectors, params)
        for p in picks:
            picks_per_enterprise[p.enterprise_id] += 1
            if p.inspector_ids:
                last[p.enterprise_id] = p.inspector_ids
        months.append((candidates, picks))
    return picks_per_enterprise, months


def test_frequencies_over_a_simulated_year_follow_the_risk_class():
    classes = "ABCD"
    pool = [Candidate(i, classes[i % 4]) for i in range(1, 1601)]  # 400 per class
    counts, _ = simulate_year(pool, list(range(1, 41)))
    mean = {cls: sum(counts[c.enterprise_id] for c in pool if c.risk_class == cls) / 400 for cls in classes}
    assert mean["D"] == 12  # monthly: every month
    assert abs(mean["C"] - 4) < 0.4  # quarterly
    assert abs(mean["B"] - 2) < 0.3  # twice a year
    assert abs(mean["A"] - 1) < 0.25  # yearly


def test_open_and_overdue_hazards_raise_the_chance():
    plain = [Candidate(i, "A") for i in range(1, 501)]
    risky = [Candidate(i, "A", open_hazards=2, overdue_hazards=1) for i in range(501, 1001)]
    counts, _ = simulate_year(plain + risky, list(range(1, 41)))
    plain_mean = sum(counts[c.enterprise_id] for c in plain) / 500
    risky_mean = sum(counts[c.enterprise_id] for c in risky) / 500
    assert draw.probability(risky[0], PARAMS) == 2.5 / 12
    assert risky_mean > 2 * plain_mean


def test_two_inspectors_per_pick_never_the_same_one_twice_in_a_row_and_evenly_loaded():
    pool = [Candidate(i, "D") for i in range(1, 61)]
    inspectors = [101, 102, 103, 104, 105, 106]
    _, months = simulate_year(pool, inspectors)
    for candidates, picks in months:
        last = {c.enterprise_id: set(c.last_inspector_ids) for c in candidates}
        load = Counter()
        for p in picks:
            assert len(p.inspector_ids) == 2 and set(p.inspector_ids) <= set(inspectors)
            assert not set(p.inspector_ids) & last[p.enterprise_id]
            load.update(p.inspector_ids)
        assert max(load.values()) - min(load.values()) <= 2


def test_a_pick_without_enough_fresh_inspectors_gets_no_team():
    picks = draw.pick(7, [Candidate(1, "D", last_inspector_ids=(1, 2))], [1, 2, 3], PARAMS)
    assert picks == [draw.Pick(1, (), 1.0)]


def test_capacity_caps_the_month_and_prefers_the_riskier():
    pool = [Candidate(i, "D") for i in range(1, 101)] + [Candidate(i, "A") for i in range(101, 201)]
    params = {**PARAMS, "capacity": 30}
    picks = draw.pick(3, pool, list(range(1, 41)), params)
    assert len(picks) == 30
    assert sum(1 for p in picks if p.enterprise_id <= 100) >= 25
    assert picks == draw.pick(3, list(reversed(pool)), list(range(1, 41)), params)


def test_the_same_seed_gives_the_same_draw_whatever_the_order():
    pool = [Candidate(i, "BC"[i % 2], i % 3, i % 2) for i in range(1, 300)]
    a = draw.pick(42, pool, [5, 6, 7, 8], PARAMS)
    assert a == draw.pick(42, list(reversed(pool)), [8, 7, 6, 5], PARAMS)
    assert a != draw.pick(43, pool, [5, 6, 7, 8], PARAMS)


# --- the monthly job against the database -----------------------------------------------------------------------------

def at(day: date) -> datetime:
    return datetime.combine(day, time(3, 10), tzinfo=SHANGHAI)


def test_a_valid_green_list_lowers_the_frequency_and_keeps_the_enterprise_in_the_pool(session, world):
    """REFERENCE §G.10: the green list lowers how often an enterprise is drawn; it does not take it out."""
    valid = factories.make_enterprise(session, risk_class="D", gas_user=True, gas_supply="lpg", green_listed=True,
                                      green_valid_from=date(2026, 1, 1), green_valid_to=date(2026, 12, 31))
    expired = factories.make_enterprise(session, risk_class="D", gas_user=True, gas_supply="lpg", green_listed=True,
                                        green_valid_from=date(2024, 1, 1), green_valid_to=date(2025, 12, 31))
    session.commit()
    result = draw.draw_month(session, department_id=world.safety.id, now=at(date(2026, 3, 1)), policy=DrawPolicy(),
                             hazard_counts={}, seed=11)
    session.commit()
    pooled = {c["enterprise_id"]: c for c in result.pool}
    assert pooled[valid.id]["green_listed"] is True and pooled[expired.id]["green_listed"] is False
    assert all(e["enterprise_id"] != valid.id for e in result.exempt)
    params = DrawPolicy().params()
    assert draw.probability(Candidate(valid.id, "D", green_listed=True), params) == 0.5  # monthly -> bimonthly
    assert draw.probability(Candidate(expired.id, "D"), params) == 1.0
    assert expired.id in {p["enterprise_id"] for p in result.picks}  # class D: drawn every month
    assert draw.replay(result) == result.picks


def test_a_stored_draw_replays_to_its_picks_and_makes_its_tasks_once(session, world):
    for n in range(3):
        factories.make_user(session, f"safety_extra{n}", Role.INSPECTOR, department_id=world.safety.id,
                            cert_no=f"3204110090{n}")
    for n in range(30):
        factories.make_enterprise(session, risk_class="ABCD"[n % 4], dust_involved=True, dust_kind="wood")
    session.commit()
    first = draw.draw_month(session, department_id=world.safety.id, now=at(date(2026, 3, 1)), policy=DrawPolicy(),
                            hazard_counts={world.enterprise_b.id: (3, 1)})
    session.commit()
    assert draw.draw_month(session, department_id=world.safety.id, now=at(date(2026, 3, 20)), policy=DrawPolicy(),
                           hazard_counts={}) is None  # once a month
    stored = session.exec(select(Draw)).one()
    session.expire_all()
    assert draw.replay(stored) == stored.picks == first.picks
    assert len(stored.inspector_ids) == 5  # two personas and three extras; the uncertified one is not drawn
    assert world.users["uncertified"].id not in stored.inspector_ids
    tasks = session.exec(select(InspectionTask).order_by(InspectionTask.enterprise_id)).all()
    assert [t.enterprise_id for t in tasks] == sorted(p["enterprise_id"] for p in stored.picks)
    for task in tasks:
        pick = next(p for p in stored.picks if p["enterprise_id"] == task.enterprise_id)
        assert task.inspector_ids == pick["inspector_ids"] and len(task.inspector_ids) == 2
        assert (task.source, task.draw_id, task.department_id) == (TaskSource.ROUTINE, stored.id, world.safety.id)
        assert (task.window_start, task.window_end) == (date(2026, 3, 1), date(2026, 3, 31))
        assert task.kinds

    second = draw.draw_month(session, department_id=world.safety.id, now=at(date(2026, 4, 1)), policy=DrawPolicy(),
                             hazard_counts={})
    session.commit()
    before = {p["enterprise_id"]: set(p["inspector_ids"]) for p in first.picks}
    for p in second.picks:
        assert not set(p["inspector_ids"]) & before.get(p["enterprise_id"], set())
    assert draw.replay(second) == second.picks


def test_monthly_draws_skip_departments_without_two_certified_inspectors(session, world):
    drawn = draw.run_monthly_draws(session, now=at(date(2026, 5, 1)), policy=DrawPolicy(), hazard_counts={})
    session.commit()
    assert sorted(d.department_id for d in drawn) == sorted([world.safety.id, world.fire.id])  # 住建 has nobody
    assert draw.run_monthly_draws(session, now=at(date(2026, 5, 2)), policy=DrawPolicy(), hazard_counts={}) == []
