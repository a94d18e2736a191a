"""综合查一次: properties of the pure merge (hypothesis) and a worked example on the real holiday calendar."""

import random
from collections import Counter, defaultdict
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from hazards.loop.deadlines import is_working_day
from inspection.planning import merge
from inspection.planning.merge import Budget, ExistingVisit, Task

BASE = date(2026, 9, 21)  # a Monday; the synthetic calendar has Monday-Friday and five holidays from 10-01
HOLIDAYS = {BASE + timedelta(days=n) for n in (10, 11, 12, 13, 14)}
SITE_OF = {1: 100, 2: 100, 3: 100, 4: 101, 5: None, 6: None}  # enterprises 1-3 share a plant site
PRIORITY = {1: 10, 2: 20, 3: 30, 4: 40}


def synthetic_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS


@st.composite
def task_lists(draw: st.DrawFn, max_size: int = 25) -> list[Task]:
    n = draw(st.integers(0, max_size))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    tasks = []
    for task_id in ids:
        enterprise = draw(st.sampled_from(sorted(SITE_OF)))
        start = BASE + timedelta(days=draw(st.integers(-10, 40)))
        end = start + timedelta(days=draw(st.integers(0, 20)))
        kinds = tuple(sorted(draw(st.sets(st.sampled_from(["DUST", "GAS", "FCZ"]), max_size=3))))
        tasks.append(Task(task_id, draw(st.integers(1, 4)), enterprise, start, end, kinds, SITE_OF[enterprise],
                          routine=draw(st.booleans()), notice=draw(st.booleans())))
    return tasks


TODAY = st.integers(0, 10).map(lambda n: BASE + timedelta(days=n))


def run(tasks: list[Task], today: date, **kwargs: object) -> merge.MergePlan:
    return merge.merge(tasks, today=today, is_working_day=synthetic_working_day, priority=PRIORITY, **kwargs)


def placed(plan: merge.MergePlan) -> dict[int, tuple[merge.Trip, merge.VisitPlan]]:
    return {task_id: (trip, visit) for trip in plan.trips for visit in trip.visits for task_id in visit.task_ids}


def effective_window(task: Task, today: date) -> tuple[date, date]:
    return max(task.window_start, today), task.window_end


@settings(max_examples=300, deadline=None)
@given(task_lists(), TODAY)
def test_never_loses_a_task(tasks, today):
    plan = run(tasks, today, notice_days=3)
    ids = [t for trip in plan.trips for t in trip.task_ids] + [u.task_id for u in plan.unscheduled]
    assert sorted(ids) == sorted(t.id for t in tasks)


@settings(max_examples=300, deadline=None)
@given(task_lists(), TODAY, st.integers(0, 5))
def test_never_schedules_a_task_outside_its_window_or_on_a_day_off(tasks, today, notice_days):
    plan = run(tasks, today, notice_days=notice_days)
    by_id = {t.id: t for t in tasks}
    for task_id, (trip, _) in placed(plan).items():
        task = by_id[task_id]
        assert task.window_start <= trip.day <= task.window_end
        assert trip.day >= today
        assert synthetic_working_day(trip.day)


@settings(max_examples=300, deadline=None)
@given(task_lists(), TODAY)
def test_never_merges_different_enterprises_except_within_one_plant_site(tasks, today):
    plan = run(tasks, today)
    by_id = {t.id: t for t in tasks}
    for trip in plan.trips:
        enterprises = {v.enterprise_id for v in trip.visits}
        assert len(enterprises) == len(trip.visits)  # one visit per enterprise in a trip
        for visit in trip.visits:
            assert {by_id[t].enterprise_id for t in visit.task_ids} == {visit.enterprise_id}
        if len(enterprises) > 1:
            sites = {SITE_OF[e] for e in enterprises}
            assert len(sites) == 1 and None not in sites
            assert trip.site_id in sites


@settings(max_examples=200, deadline=None)
@given(task_lists(), TODAY, st.randoms(use_true_random=False))
def test_is_deterministic_whatever_the_input_order(tasks, today, rnd):
    shuffled = list(tasks)
    rnd.shuffle(shuffled)
    assert run(shuffled, today, notice_days=2) == run(tasks, today, notice_days=2)


@settings(max_examples=300, deadline=None)
@given(task_lists(), TODAY)
def test_never_more_visits_than_tasks(tasks, today):
    plan = run(tasks, today)
    assert plan.new_visits <= len(tasks)
    assert len(plan.trips) <= len(tasks)
    assert all(v.task_ids for trip in plan.trips for v in trip.visits)


@settings(max_examples=300, deadline=None)
@given(task_lists(), TODAY)
def test_merges_as_far_as_possible(tasks, today):
    """No two trips of one group could have been a single trip: no working day fits all their tasks."""
    plan = run(tasks, today)
    by_id = {t.id: t for t in tasks}
    groups = defaultdict(list)
    for trip in plan.trips:
        first = by_id[trip.task_ids[0]]
        groups[first.site_id or -first.enterprise_id].append(trip)
    for trips in groups.values():
        for i, a in enumerate(trips):
            for b in trips[i + 1:]:
                windows = [effective_window(by_id[t], today) for t in a.task_ids + b.task_ids]
                lo, hi = max(w[0] for w in windows), min(w[1] for w in windows)
                shared = [lo + timedelta(days=n) for n in range((hi - lo).days + 1)]
                assert not any(synthetic_working_day(d) for d in shared)


@settings(max_examples=300, deadline=None)
@given(task_lists(), TODAY)
def test_unscheduled_tasks_say_why(tasks, today):
    plan = run(tasks, today)
    by_id = {t.id: t for t in tasks}
    for item in plan.unscheduled:
        lo, hi = effective_window(by_id[item.task_id], today)
        if item.reason == merge.WINDOW_PASSED:
            assert hi < today
        else:
            assert item.reason == merge.NO_WORKING_DAY
            assert not any(synthetic_working_day(lo + timedelta(days=n)) for n in range((hi - lo).days + 1))


@settings(max_examples=300, deadline=None)
@given(task_lists(), TODAY)
def test_each_department_keeps_its_kinds_and_the_lead_has_the_highest_priority(tasks, today):
    plan = run(tasks, today)
    by_id = {t.id: t for t in tasks}
    for trip in plan.trips:
        for visit in trip.visits:
            expected = defaultdict(set)
            for task_id in visit.task_ids:
                expected[by_id[task_id].department_id].update(by_id[task_id].kinds)
            assert {d: set(k) for d, k in visit.departments} == expected
            assert visit.lead_department_id == min(expected, key=lambda d: PRIORITY[d])
            assert visit.departments[0][0] == visit.lead_department_id
        assert trip.lead_department_id == min(trip.department_ids, key=lambda d: PRIORITY[d])


@settings(max_examples=300, deadline=None)
@given(task_lists(), TODAY, st.integers(0, 5))
def test_announced_tasks_get_notice_days_when_their_window_allows(tasks, today, notice_days):
    plan = run(tasks, today, notice_days=notice_days)
    by_id = {t.id: t for t in tasks}
    for task_id, (trip, _) in placed(plan).items():
        task = by_id[task_id]
        ahead = max(task.window_start, today + timedelta(days=notice_days))
        span = range((task.window_end - ahead).days + 1)
        possible = any(synthetic_working_day(ahead + timedelta(days=n)) for n in span)
        if task.notice and possible:
            assert trip.day >= today + timedelta(days=notice_days)


@settings(max_examples=300, deadline=None)
@given(task_lists(), TODAY, st.integers(0, 2), st.integers(0, 2))
def test_routine_visit_budget_is_never_exceeded(tasks, today, cap, used):
    budget = Budget(cap={e: cap for e in SITE_OF}, used={(e, merge.quarter(today)): used for e in SITE_OF})
    plan = run(tasks, today, budget=budget)
    by_id = {t.id: t for t in tasks}
    new_routine = Counter()
    for trip in plan.trips:
        for visit in trip.visits:
            if visit.visit_id is None and all(by_id[t].routine for t in visit.task_ids):
                new_routine[(visit.enterprise_id, merge.quarter(trip.day))] += 1
    for key, count in new_routine.items():
        assert budget.used.get(key, 0) + count <= cap
    for item in plan.unscheduled:
        if item.reason == merge.VISIT_BUDGET:
            assert by_id[item.task_id].routine


@settings(max_examples=200, deadline=None)
@given(task_lists(), TODAY)
def test_tasks_join_the_earliest_existing_trip_of_their_group_that_fits(tasks, today):
    existing = [ExistingVisit(900, 1, today + timedelta(days=8), 100, (4,)),
                ExistingVisit(901, 5, today + timedelta(days=3), None, (2,))]
    plan = run(tasks, today, existing=existing)
    by_id = {t.id: t for t in tasks}
    for task_id, (trip, visit) in placed(plan).items():
        task = by_id[task_id]
        lo, hi = effective_window(task, today)
        # a planned visit is joined even before the task's window (never a second visit while one is planned),
        # but never by an unannounced task when the visit is announced (these are)
        fitting = [old for old in existing if today <= old.day <= hi and task.notice and (
            (old.site_id is not None and SITE_OF[task.enterprise_id] == old.site_id)
            or (old.site_id is None and task.enterprise_id == old.enterprise_id))]
        if fitting:
            first = min(fitting, key=lambda old: old.day)
            assert trip.day == first.day
            assert visit.visit_id == (first.visit_id if task.enterprise_id == first.enterprise_id else None)
        else:
            assert visit.visit_id is None


def test_worked_example_three_departments_and_a_plant_site():
    """应急, 消防 and 住建 plan checks at a plant site and a restaurant in the National Day fortnight of 2026."""
    safety, fire, gas = 1, 2, 3
    landlord, tenant_a, tenant_b, restaurant, far_away = 10, 11, 12, 20, 30
    site = 7
    today = date(2026, 9, 24)  # Thursday
    tasks = [
        # the plant site: 应急 checks dust at tenant A, 消防 the landlord's 厂中厂 duties, 住建 gas at tenant B
        Task(1, safety, tenant_a, date(2026, 9, 28), date(2026, 10, 16), ("DUST",), site),
        Task(2, fire, landlord, date(2026, 9, 25), date(2026, 10, 9), ("FCZ",), site),
        Task(3, gas, tenant_b, date(2026, 10, 1), date(2026, 10, 12), ("GAS",), site),
        # the restaurant: all three departments, windows overlapping only in the week after the holiday
        Task(4, gas, restaurant, date(2026, 10, 8), date(2026, 10, 20), ("GAS",)),
        Task(5, fire, restaurant, date(2026, 9, 21), date(2026, 10, 10), ("FCZ", "GAS")),
        Task(6, safety, restaurant, date(2026, 10, 9), date(2026, 10, 30), ("GAS",)),
        # 应急 again at the restaurant, but a month later: its own visit
        Task(7, safety, restaurant, date(2026, 11, 16), date(2026, 11, 20), ("GAS",)),
        # another enterprise is never merged with the restaurant; Saturday 10-10 is an adjusted working day
        Task(8, fire, far_away, date(2026, 10, 10), date(2026, 10, 11), ("FCZ",)),
        # a window inside the holiday has no working day
        Task(9, gas, far_away, date(2026, 10, 2), date(2026, 10, 6), ("GAS",)),
    ]
    plan = merge.merge(tasks, today=today, is_working_day=is_working_day, priority={safety: 10, fire: 20, gas: 30},
                       notice_days=3)
    assert plan.unscheduled == (merge.Unscheduled(9, merge.NO_WORKING_DAY),)
    by_tasks = {trip.task_ids: trip for trip in plan.trips}
    assert set(by_tasks) == {(1, 2, 3), (4, 5, 6), (7,), (8,)}

    site_trip = by_tasks[(1, 2, 3)]
    # common window 10-01..10-09; 10-01..10-07 is the National Day holiday, so: Thursday 10-08
    assert site_trip.day == date(2026, 10, 8)
    assert site_trip.site_id == site
    assert site_trip.lead_department_id == safety
    assert [(v.enterprise_id, v.departments) for v in site_trip.visits] == [
        (landlord, ((fire, ("FCZ",)),)), (tenant_a, ((safety, ("DUST",)),)), (tenant_b, ((gas, ("GAS",)),))]

    restaurant_trip = by_tasks[(4, 5, 6)]
    assert restaurant_trip.day == date(2026, 10, 9)  # the first working day of the common window 10-09..10-10
    (visit,) = restaurant_trip.visits
    assert visit.lead_department_id == safety
    assert visit.departments == ((safety, ("GAS",)), (fire, ("FCZ", "GAS")), (gas, ("GAS",)))
    assert by_tasks[(7,)].day == date(2026, 11, 16)
    assert by_tasks[(8,)].day == date(2026, 10, 10)
    assert plan.new_visits == 6  # 8 scheduled tasks, 3 enterprises at one gate: 4 trips instead of 8
    assert len(plan.trips) == 4


def test_a_routine_task_over_budget_is_refused_unless_it_rides_on_another_visit():
    today = date(2026, 3, 2)
    tasks = [Task(1, 1, 5, today, today + timedelta(days=10), ("GAS",), routine=True),
             Task(2, 2, 6, today, today + timedelta(days=10), ("FCZ",), routine=True),
             Task(3, 3, 6, today + timedelta(days=5), today + timedelta(days=9), ("GAS",))]  # a complaint at 6
    budget = Budget(cap={5: 1, 6: 1}, used={(5, "2026Q1"): 1, (6, "2026Q1"): 1})
    plan = merge.merge(tasks, today=today, is_working_day=synthetic_working_day, budget=budget)
    assert plan.unscheduled == (merge.Unscheduled(1, merge.VISIT_BUDGET),)
    (trip,) = plan.trips
    assert trip.task_ids == (2, 3)


def test_large_random_input_keeps_every_property():
    rnd = random.Random(5)
    tasks = []
    for task_id in range(1, 3001):
        enterprise = rnd.randint(1, 400)
        start = BASE + timedelta(days=rnd.randint(0, 60))
        tasks.append(Task(task_id, rnd.randint(1, 4), enterprise, start, start + timedelta(days=rnd.randint(0, 30)),
                          ("GAS",), enterprise // 10 if enterprise % 3 == 0 else None, routine=rnd.random() < 0.5))
    plan = merge.merge(tasks, today=BASE, is_working_day=synthetic_working_day, priority=PRIORITY)
    assert plan.scheduled_tasks + len(plan.unscheduled) == len(tasks)
    assert len(plan.trips) < len(tasks)


def test_a_new_task_joins_the_visit_already_planned_even_before_its_window():
    """No second visit to one enterprise within the horizon: 消防 (window from the 7th) joins 应急's visit of the
    3rd instead of coming back four days later."""
    today = date(2026, 12, 1)
    existing = [ExistingVisit(109, 5, date(2026, 12, 3), None, (1,))]
    plan = run([Task(1, 2, 5, date(2026, 12, 7), date(2026, 12, 18), ("FCZ",), notice=True)], today,
               existing=existing)
    (trip,) = plan.trips
    assert trip.day == date(2026, 12, 3) and trip.visits[0].visit_id == 109


def test_an_unannounced_task_never_joins_an_announced_visit():
    today = date(2026, 12, 1)
    existing = [ExistingVisit(109, 5, date(2026, 12, 3), None, (1,), announced=True)]
    plan = run([Task(1, 1, 5, date(2026, 12, 1), date(2026, 12, 18), ("DUST",), routine=True, notice=False)], today,
               existing=existing)
    (trip,) = plan.trips
    assert trip.visits[0].visit_id is None  # a visit of its own, unannounced
    quiet = [ExistingVisit(110, 5, date(2026, 12, 3), None, (1,), announced=False)]
    plan = run([Task(1, 1, 5, date(2026, 12, 1), date(2026, 12, 18), ("DUST",), routine=True, notice=False)], today,
               existing=quiet)
    assert plan.trips[0].visits[0].visit_id == 110  # unannounced tasks merge with each other
