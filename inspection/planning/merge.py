"""综合查一次 ("inspect once"): merge the planned tasks of several departments into joint visits. Pure, no database.

A *trip* is one gate entered on one working day: one enterprise, or the landlord and tenants of one plant site
(厂中厂). Each enterprise in a trip gets one visit whose departments are the union of its tasks' departments, each
with the union of its checklist kinds; each department still records its own results and orders.

Rules:

* Tasks are grouped by enterprise, or by plant site when the enterprise is its landlord or a tenant. Tasks of
  different groups are never merged.
* A task is only ever scheduled on a working day inside its window, never before ``today``. When the enterprise
  is to be told ahead (``notice``), the day is at least ``notice_days`` away if the window allows it.
* A task first joins a planned trip of its group whose day is not after its window's end (the earliest such
  trip, earlier than its window if need be): within the horizon an enterprise never gets a second visit while
  one is planned. That visit is announced already, so the notice lead does not apply. An unannounced task (四不两直)
  never joins an announced visit: the enterprise was told that one is coming.
* The rest are merged greedily, which gives the fewest trips: take the task whose window ends first, find the
  latest working day it can use, and put every task that can use that day into the same trip; the trip then
  takes the earliest working day all its tasks share. Repeat.
* Visit budget: a new visit made only of routine tasks counts against the enterprise's routine visits per
  quarter; over the cap its routine tasks are refused (``visit_budget``). Routine tasks riding on a visit that
  happens anyway (a complaint, a re-inspection, an existing visit) cost nothing.
* Tasks that cannot be scheduled come back in ``unscheduled`` with a reason; no task is ever lost.
* Deterministic: the result depends only on the input values, not on their order.
"""

import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

ONE_DAY = timedelta(days=1)
DEFAULT_PRIORITY = 1_000_000
MAX_DAYS_OFF = 366  # no working day within a year: the calendar predicate says "never"

WINDOW_PASSED = "window_passed"
NO_WORKING_DAY = "no_working_day"
VISIT_BUDGET = "visit_budget"


@dataclass(frozen=True, slots=True)
class Task:
    id: int
    department_id: int
    enterprise_id: int
    window_start: date
    window_end: date
    kinds: tuple[str, ...] = ()
    site_id: int | None = None  # the plant site the enterprise is landlord or tenant of
    routine: bool = False  # counts against the routine visit budget
    notice: bool = False  # announced and not complaint-driven: tell the enterprise ahead


@dataclass(frozen=True)
class ExistingVisit:
    """A planned, not yet started visit that new tasks may join."""

    visit_id: int
    enterprise_id: int
    day: date
    site_id: int | None = None
    department_ids: tuple[int, ...] = ()
    announced: bool = True


@dataclass(frozen=True)
class Budget:
    """Routine visits allowed per quarter (per enterprise; absent = no cap) and already used."""

    cap: Mapping[int, int] = field(default_factory=dict)
    used: Mapping[tuple[int, str], int] = field(default_factory=dict)  # (enterprise, "2026Q3") -> visits


class VisitPlan(NamedTuple):
    enterprise_id: int
    visit_id: int | None  # the existing visit joined, or None for a new visit
    lead_department_id: int
    departments: tuple[tuple[int, tuple[str, ...]], ...]  # (department, kinds), lead first
    task_ids: tuple[int, ...]


class Trip(NamedTuple):
    day: date
    site_id: int | None
    lead_department_id: int
    visits: tuple[VisitPlan, ...]

    @property
    def task_ids(self) -> tuple[int, ...]:
        return tuple(sorted(t for v in self.visits for t in v.task_ids))

    @property
    def department_ids(self) -> frozenset[int]:
        return frozenset(d for v in self.visits for d, _ in v.departments)


class Unscheduled(NamedTuple):
    task_id: int
    reason: str


@dataclass(frozen=True)
class MergePlan:
    trips: tuple[Trip, ...]
    unscheduled: tuple[Unscheduled, ...]

    @property
    def new_visits(self) -> int:
        return sum(1 for trip in self.trips for v in trip.visits if v.visit_id is None)

    @property
    def scheduled_tasks(self) -> int:
        return sum(len(v.task_ids) for trip in self.trips for v in trip.visits)


def quarter(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def merge(
    tasks: Iterable[Task],
    *,
    today: date,
    is_working_day: Callable[[date], bool],
    priority: Mapping[int, int] | None = None,
    notice_days: int = 0,
    existing: Iterable[ExistingVisit] = (),
    budget: Budget | None = None,
) -> MergePlan:
    """Plan trips for ``tasks``. ``priority``: department -> rank, lower leads (ties: lower id)."""
    with _collector_paused():
        return _Merger(today, is_working_day, priority or {}, notice_days, budget).run(tasks, existing)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while merging: the merge makes hundreds of thousands of small objects and no
    cycles, and each collection walks every live task again; at 200,000 tasks that was 40-60 % of the CPU time
    (tests/bench/README.md, "综合查一次 merge"). Reference counting still frees everything; the collector is
    switched back on (if it was on) however the merge ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Merger:
    def __init__(self, today: date, is_working_day: Callable[[date], bool], priority: Mapping[int, int],
                 notice_days: int, budget: Budget | None) -> None:
        self.today = today
        self._is_working_day = is_working_day
        self._working: dict[date, bool] = {}
        self._next: dict[date, date] = {}
        self._previous: dict[date, date] = {}
        self._windows: dict[tuple[date, date, bool], tuple[date, date] | str] = {}
        self.priority = priority
        self.notice_days = notice_days
        self.cap = budget.cap if budget else {}
        self.used: dict[tuple[int, str], int] = dict(budget.used) if budget else {}
        self.unscheduled: list[Unscheduled] = []

    # --- days ------------------------------------------------------------------------------------------------

    def working(self, day: date) -> bool:
        known = self._working.get(day)
        if known is None:
            known = self._working[day] = bool(self._is_working_day(day))
        return known

    def first_working(self, lo: date, hi: date) -> date | None:
        """The first working day in [lo, hi]; the next working day after each date is memoised."""
        day = self._next.get(lo)
        if day is None:
            day = lo
            for _ in range(MAX_DAYS_OFF):
                if self.working(day):
                    break
                day += ONE_DAY
            else:
                day = date.max
            self._next[lo] = day
        return day if day <= hi else None

    def last_working(self, lo: date, hi: date) -> date | None:
        day = self._previous.get(hi)
        if day is None:
            day = hi
            for _ in range(MAX_DAYS_OFF):
                if self.working(day):
                    break
                day -= ONE_DAY
            else:
                day = date.min
            self._previous[hi] = day
        return day if day >= lo else None

    def window(self, task: Task) -> tuple[date, date] | None:
        """The days this task may use, or None (and the reason recorded) when there are none."""
        key = (task.window_start, task.window_end, task.notice)
        known = self._windows.get(key)
        if known is None:  # many tasks share a window: work each one out once
            known = self._windows[key] = self._window(*key)
        if isinstance(known, str):
            self.unscheduled.append(Unscheduled(task.id, known))
            return None
        return known

    def _window(self, start: date, end: date, notice: bool) -> tuple[date, date] | str:
        lo, hi = max(start, self.today), end
        if lo > hi:
            return WINDOW_PASSED
        if notice and self.notice_days > 0:
            ahead = max(lo, self.today + timedelta(days=self.notice_days))
            if ahead <= hi and self.first_working(ahead, hi) is not None:
                lo = ahead
        if self.first_working(lo, hi) is None:
            return NO_WORKING_DAY
        return lo, hi

    def rank(self, department_id: int) -> tuple[int, int]:
        return self.priority.get(department_id, DEFAULT_PRIORITY), department_id

    # --- the merge -------------------------------------------------------------------------------------------

    def run(self, tasks: Iterable[Task], existing: Iterable[ExistingVisit]) -> MergePlan:
        ordered = sorted(tasks, key=lambda t: t.id)
        if len({t.id for t in ordered}) != len(ordered):
            raise ValueError("task ids must be unique")
        # a group is a plant site (its id) or a lone enterprise (minus its id); members sort by (end, start, id)
        groups: dict[int, list[tuple[date, date, int, Task]]] = defaultdict(list)
        windows = self._windows
        for task in ordered:
            window = windows.get((task.window_start, task.window_end, task.notice))
            if window is None or isinstance(window, str):
                window = self.window(task)
                if window is None:
                    continue
            key = task.site_id if task.site_id is not None else -task.enterprise_id
            groups[key].append((window[1], window[0], task.id, task))
        planned: dict[int, dict[date, list[ExistingVisit]]] = defaultdict(lambda: defaultdict(list))
        for visit in sorted(existing, key=lambda v: v.visit_id):
            if visit.day >= self.today:
                key = visit.site_id if visit.site_id is not None else -visit.enterprise_id
                planned[key][visit.day].append(visit)
        trips: list[Trip] = []
        for key in sorted(groups):  # groups in a fixed order, each group's trips by day: deterministic
            self.plan_group(trips, groups[key], planned.get(key, {}), lone=key < 0)
        return MergePlan(tuple(trips), tuple(sorted(self.unscheduled, key=lambda u: u.task_id)))

    def plan_group(self, trips: list[Trip], members: list[tuple[date, date, int, Task]],
                   planned: Mapping[date, list[ExistingVisit]], *, lone: bool) -> None:
        """Append the trips of one enterprise (``lone``) or plant site, in day order."""
        remaining = members
        joining: dict[date, list[Task]] = {}
        if planned:
            remaining = []
            days = sorted(planned)
            for member in members:
                hi, task = member[0], member[3]
                day = next((d for d in days if self.today <= d <= hi and (task.notice or not any(
                    v.announced for v in planned[d]))), None)
                if day is None:
                    remaining.append(member)
                else:
                    joining.setdefault(day, []).append(task)
        new: list[tuple[date, list[Task], bool]] = []  # (day, tasks, whether they join the visits planned then)
        if len(remaining) == 1:  # the common case: nothing to merge with
            hi, lo, _, task = remaining[0]
            day = self.first_working(lo, hi)
            assert day is not None  # window() guaranteed a working day
            new.append((day, [task], False))
        elif remaining:
            remaining = sorted(remaining)
            while remaining:
                first_hi, first_lo = remaining[0][0], remaining[0][1]
                stab = self.last_working(first_lo, first_hi)
                assert stab is not None  # window() guaranteed a working day
                clique: list[Task] = []
                later: list[tuple[date, date, int, Task]] = []
                latest_lo = first_lo
                for member in remaining:  # every other window ends on or after first_hi
                    if member[1] <= stab:
                        clique.append(member[3])
                        if member[1] > latest_lo:
                            latest_lo = member[1]
                    else:
                        later.append(member)
                remaining = later
                day = self.first_working(latest_lo, first_hi)
                assert day is not None and day <= stab
                new.append((day, clique, False))
        if joining:
            new.extend((day, tasks, True) for day, tasks in joining.items())
            new.sort(key=lambda entry: (entry[0], min(t.id for t in entry[1])))
        for day, tasks, joins in new:
            existing = planned.get(day, []) if joins else []
            self.add_trip(trips, day, tasks, existing, lone=lone and not existing)

    def add_trip(self, trips: list[Trip], day: date, tasks: list[Task], existing: list[ExistingVisit], *,
                 lone: bool = False) -> None:
        first = tasks[0]
        if lone or (not existing and all(t.enterprise_id == first.enterprise_id for t in tasks)):  # one new visit
            if all(t.routine for t in tasks) and not self.spend_budget(first.enterprise_id, day):
                self.unscheduled.extend(Unscheduled(t.id, VISIT_BUDGET) for t in tasks)
                return
            visit = self.visit_plan(first.enterprise_id, tasks, None)
            trips.append(Trip(day, first.site_id, visit.lead_department_id, (visit,)))
            return
        by_enterprise: dict[int, list[Task]] = defaultdict(list)
        for task in tasks:
            by_enterprise[task.enterprise_id].append(task)
        existing_by_enterprise = {v.enterprise_id: v for v in existing}
        visits: list[VisitPlan] = []
        for enterprise_id in sorted(by_enterprise):
            mine = by_enterprise[enterprise_id]
            current = existing_by_enterprise.get(enterprise_id)
            if current is None and all(t.routine for t in mine) and not self.spend_budget(enterprise_id, day):
                self.unscheduled.extend(Unscheduled(t.id, VISIT_BUDGET) for t in mine)
                continue
            visits.append(self.visit_plan(enterprise_id, mine, current))
        if not visits:
            return
        departments = {d for v in visits for d, _ in v.departments}
        departments.update(d for v in existing for d in v.department_ids)
        site_id = next((t.site_id for t in tasks if t.site_id is not None), None)
        trips.append(Trip(day, site_id, min(departments, key=self.rank), tuple(visits)))

    def spend_budget(self, enterprise_id: int, day: date) -> bool:
        cap = self.cap.get(enterprise_id)
        if cap is None:
            return True
        key = (enterprise_id, quarter(day))
        if self.used.get(key, 0) >= cap:
            return False
        self.used[key] = self.used.get(key, 0) + 1
        return True

    def visit_plan(self, enterprise_id: int, tasks: list[Task], current: ExistingVisit | None) -> VisitPlan:
        if len(tasks) == 1 and current is None:
            task = tasks[0]
            kinds = task.kinds if len(task.kinds) < 2 else tuple(sorted(set(task.kinds)))
            return VisitPlan(enterprise_id, None, task.department_id, ((task.department_id, kinds),), (task.id,))
        by_department: dict[int, set[str]] = {}
        for task in tasks:
            known = by_department.get(task.department_id)
            if known is None:
                by_department[task.department_id] = set(task.kinds)
            else:
                known.update(task.kinds)
        if len(by_department) == 1:
            ((lead, kinds_of_lead),) = by_department.items()
            departments: tuple[tuple[int, tuple[str, ...]], ...] = ((lead, tuple(sorted(kinds_of_lead))),)
        else:
            order = sorted(by_department, key=self.rank)
            departments = tuple((d, tuple(sorted(by_department[d]))) for d in order)
            lead = order[0]
        if current is not None and current.department_ids:
            lead = min([lead, *current.department_ids], key=self.rank)
        return VisitPlan(enterprise_id, current.visit_id if current else None, lead, departments,
                         tuple(sorted(t.id for t in tasks)))
