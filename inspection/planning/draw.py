"""双随机: the monthly random draw of enterprises to inspect, and of the inspectors who go.

A department draws only among the enterprises that have a checklist kind it enforces (the item catalogue's
执法主体), and its tasks carry only those kinds. Each enterprise of the pool is drawn with probability
``1 / months`` of its risk class (D monthly, C quarterly, B twice a year, A yearly by default), raised by its open
and overdue hazards and capped at 1; a valid green list lowers it (``green_factor``: the months are multiplied),
it does not take the enterprise out of the pool (REFERENCE §G.10). Two certified inspectors of the department
are then drawn for each pick, fewest assignments in this draw first, never one who inspected the enterprise
last time; a pick for which there are not enough becomes a task awaiting assignment, never a visit.

The draw is a pure function of (seed, pool, inspectors, parameters) and uses nothing but ``random.Random(seed)
.random()`` in a fixed order, so the stored ``Draw`` row replays to the same picks anywhere (``replay``).
"""

import random
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from inspection.clock import local
from inspection.errors import NotFound, NotPermitted
from inspection.field import checklists
from inspection.identity.access import Actor
from inspection.models import Department, Draw, Enterprise, InspectionTask, User, Visit, VisitInspector
from inspection.planning import inspect_once as planning
from inspection.planning import notice
from inspection.planning import tasks as task_service
from schemas.enums import Role
from schemas.tasks import TaskSource, TaskStatus

ALGORITHM = "v1"
DRAW_LOCK_KEY = 7_201_518  # pg advisory lock: one draw at a time
DEFAULT_FREQUENCY = {"D": 1, "C": 3, "B": 6, "A": 12}  # months between inspections, by risk class


@dataclass(frozen=True)
class DrawPolicy:
    frequency_months: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_FREQUENCY))
    open_weight: float = 0.25  # each open hazard raises the chance by a quarter
    overdue_weight: float = 1.0  # each overdue hazard doubles it
    green_factor: float = 2.0  # a green-listed enterprise is drawn this many times less often (a local choice)
    inspectors_per_pick: int = 2
    capacity: int | None = None  # at most this many picks per department and month

    def params(self) -> dict[str, Any]:
        return {"frequency_months": dict(self.frequency_months), "open_weight": self.open_weight,
                "overdue_weight": self.overdue_weight, "inspectors_per_pick": self.inspectors_per_pick,
                "capacity": self.capacity, "green_factor": self.green_factor}


@dataclass(frozen=True)
class Candidate:
    enterprise_id: int
    risk_class: str
    open_hazards: int = 0
    overdue_hazards: int = 0
    last_inspector_ids: tuple[int, ...] = ()
    green_listed: bool = False


@dataclass(frozen=True)
class Pick:
    enterprise_id: int
    inspector_ids: tuple[int, ...]
    probability: float


def probability(candidate: Candidate, params: Mapping[str, Any]) -> float:
    months = params["frequency_months"].get(candidate.risk_class, 12)
    if candidate.green_listed:
        months *= params.get("green_factor", 1.0)
    boost = 1 + params["open_weight"] * candidate.open_hazards + params["overdue_weight"] * candidate.overdue_hazards
    return min(1.0, boost / max(months, 1))


def pick(seed: int, candidates: Iterable[Candidate], inspector_ids: Iterable[int],
         params: Mapping[str, Any]) -> list[Pick]:
    """The draw: pure and replayable. Enterprises in id order, one ``random()`` each; then, over capacity, a
    weighted sample without replacement (Efraimidis-Spirakis keys); then the inspectors, pick by pick."""
    rng = random.Random(seed)
    pool = sorted(candidates, key=lambda c: c.enterprise_id)
    chosen = [(c, p) for c in pool if rng.random() < (p := probability(c, params))]
    capacity = params.get("capacity")
    if capacity is not None and len(chosen) > capacity:
        keyed = [(rng.random() ** (1 / p), c.enterprise_id, (c, p)) for c, p in chosen]
        keyed.sort(key=lambda k: (-k[0], k[1]))
        chosen = sorted((item for _, _, item in keyed[:capacity]), key=lambda cp: cp[0].enterprise_id)
    people = sorted(set(inspector_ids))
    load = dict.fromkeys(people, 0)
    per_pick = params["inspectors_per_pick"]
    picks = []
    for candidate, p in chosen:
        eligible = [i for i in people if i not in candidate.last_inspector_ids]
        keys = {i: rng.random() for i in eligible}
        team: tuple[int, ...] = ()
        if len(eligible) >= per_pick:
            team = tuple(sorted(sorted(eligible, key=lambda i: (load[i], keys[i], i))[:per_pick]))
            for i in team:
                load[i] += 1
        picks.append(Pick(candidate.enterprise_id, team, round(p, 6)))
    return picks


def _as_dicts(picks: list[Pick]) -> list[dict[str, Any]]:
    return [{**asdict(p), "inspector_ids": list(p.inspector_ids)} for p in picks]


def replay(draw: Draw) -> list[dict[str, Any]]:
    """Recompute a stored draw from its seed, pool snapshot, inspectors and parameters."""
    if draw.algorithm != ALGORITHM:
        raise ValueError(f"unknown draw algorithm {draw.algorithm!r}")
    pool = [Candidate(c["enterprise_id"], c["risk_class"], c["open_hazards"], c["overdue_hazards"],
                      tuple(c["last_inspector_ids"]), c.get("green_listed", False)) for c in draw.pool]
    return _as_dicts(pick(draw.seed, pool, draw.inspector_ids, draw.params))


def visible_draws(session: Session, *, actor: Actor, month: str | None = None) -> list[Draw]:
    """Staff see every department's draws (双随机一公开: the draw is public to the administration)."""
    if not actor.is_staff:
        raise NotPermitted("仅执法人员和安委办可查看抽查记录 / draws are for staff", code="forbidden")
    query = select(Draw).order_by(col(Draw.month).desc(), col(Draw.department_id))
    if month is not None:
        query = query.where(Draw.month == month)
    return list(session.exec(query).all())


def get_draw(session: Session, draw_id: int, *, actor: Actor) -> Draw:
    if not actor.is_staff:
        raise NotPermitted("仅执法人员和安委办可查看抽查记录 / draws are for staff", code="forbidden")
    draw = session.get(Draw, draw_id)
    if draw is None:
        raise NotFound("抽查记录不存在 / draw not found")
    return draw


def replay_matches(draw: Draw) -> bool:
    return replay(draw) == draw.picks


# --- the monthly job --------------------------------------------------------------------------------------------

def month_of(now: datetime) -> str:
    return local(now).strftime("%Y-%m")


def _last_day(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def certified_inspectors(session: Session, department_id: int) -> list[int]:
    return sorted(i for i in session.exec(select(User.id).where(
        User.department_id == department_id, User.role == Role.INSPECTOR, col(User.is_active).is_(True),
        col(User.cert_no).is_not(None), User.cert_no != "")).all() if i is not None)


def last_inspectors(session: Session, department_id: int, inspectors: list[int]) -> dict[int, set[int]]:
    """enterprise -> who of the department inspected it last time: the latest routine task's team and the
    department's inspectors on the latest visit (both, to be safe)."""
    last: dict[int, set[int]] = {}
    for enterprise_id, team in session.exec(select(InspectionTask.enterprise_id, InspectionTask.inspector_ids).where(
            InspectionTask.department_id == department_id, InspectionTask.source == TaskSource.ROUTINE)
            .order_by(col(InspectionTask.id))).all():
        if team:
            last[enterprise_id] = set(team)
    if inspectors:
        latest_visit: dict[int, tuple[int, set[int]]] = {}
        for enterprise_id, visit_id, user_id in session.exec(
                select(Visit.enterprise_id, Visit.id, VisitInspector.user_id)
                .join(VisitInspector, col(VisitInspector.visit_id) == Visit.id)
                .where(VisitInspector.department_id == department_id).order_by(col(Visit.id))).all():
            seen = latest_visit.get(enterprise_id)
            if seen is None or seen[0] != visit_id:
                latest_visit[enterprise_id] = (visit_id or 0, {user_id})
            else:
                seen[1].add(user_id)
        for enterprise_id, (_, people) in latest_visit.items():
            last.setdefault(enterprise_id, set()).update(people)
    return last


def draw_month(session: Session, *, department_id: int, now: datetime, policy: DrawPolicy,
               hazard_counts: Mapping[int, tuple[int, int]], seed: int | None = None) -> Draw | None:
    """Draw one department's month once: None when it was already drawn. Creates one routine task per pick."""
    month = month_of(now)
    planning.lock(session, DRAW_LOCK_KEY)
    if session.exec(select(Draw.id).where(Draw.department_id == department_id, Draw.month == month)).first():
        return None
    today = local(now).date()
    inspectors = certified_inspectors(session, department_id)
    roles = planning.memberships(session)
    last = last_inspectors(session, department_id, inspectors)
    pool: list[Candidate] = []
    exempt: list[dict[str, Any]] = []
    kinds: dict[int, list[str]] = {}
    department = session.get(Department, department_id)
    enforced = set(checklists.enforced_kinds(department.code)) if department is not None else set()
    for enterprise in session.exec(select(Enterprise).order_by(col(Enterprise.id))).all():
        eid = enterprise.id or 0
        applicable = task_service.applicable_kinds(enterprise, roles.get(eid, (None, 0))[0])
        kinds[eid] = [kind for kind in applicable if kind in enforced]
        if not kinds[eid]:
            exempt.append({"enterprise_id": eid, "reason": "no_checklist" if not applicable else "not_enforced"})
            continue
        open_count, overdue_count = hazard_counts.get(eid, (0, 0))
        pool.append(Candidate(eid, str(enterprise.risk_class), open_count, overdue_count,
                              tuple(sorted(last.get(eid, ()))), planning.green_valid(enterprise, today)))
    seed = secrets.randbits(62) if seed is None else seed
    params = policy.params()
    picks = pick(seed, pool, inspectors, params)
    draw = Draw(department_id=department_id, month=month, seed=seed, algorithm=ALGORITHM, params=params,
                pool=[{**asdict(c), "last_inspector_ids": list(c.last_inspector_ids)} for c in pool], exempt=exempt,
                inspector_ids=inspectors, picks=_as_dicts(picks), drawn_at=now)
    session.add(draw)
    session.flush()
    last_day = _last_day(today)
    for chosen in picks:
        task_service.add(
            session, origin_key=f"draw:{draw.id}:{chosen.enterprise_id}", department_id=department_id,
            enterprise_id=chosen.enterprise_id, kinds=kinds[chosen.enterprise_id], window_start=today,
            window_end=last_day, source=TaskSource.ROUTINE, now=now, draw_id=draw.id,
            inspector_ids=list(chosen.inspector_ids),
            announced=notice.announced(department.code if department else None, TaskSource.ROUTINE),
            status=TaskStatus.PLANNED if chosen.inspector_ids else TaskStatus.UNASSIGNED,
            note=f"双随机抽查 {month} / random draw {month}")
    session.flush()
    return draw


def run_monthly_draws(session: Session, *, now: datetime, policy: DrawPolicy,
                      hazard_counts: Mapping[int, tuple[int, int]]) -> list[Draw]:
    """Draw every department that has enough certified inspectors and has not drawn this month yet."""
    drawn = []
    for department_id in session.exec(select(Department.id).order_by(col(Department.id))).all():
        if department_id is None or len(certified_inspectors(session, department_id)) < policy.inspectors_per_pick:
            continue
        draw = draw_month(session, department_id=department_id, now=now, policy=policy, hazard_counts=hazard_counts)
        if draw is not None:
            drawn.append(draw)
    return drawn
