"""Half a year of inspections for the demo, made by the same services as the API: visits, hazards with their
photos, orders, re-inspections (复查) that close most hazards and leave some overdue; the demo enterprise's
ratings of its visits; today's work list; and next week's plans of two departments for the same enterprise,
merged into joint visits (综合查一次).

``xuncha demo`` runs it once, when the database has no visit yet, so a newcomer's office dashboard, enterprise
portal and inspector app show figures instead of zeros. Seeded: every machine gets the same history, dated
back from the day it runs.
"""

import random
import secrets
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw
from sqlmodel import Session, col, func, select

from hazards.loop import deadlines, intake, majors, orders
from hazards.loop import evidence as evidence_service
from hazards.loop.states import ACTIVE
from hazards.models import Hazard, RectificationOrder
from hazards.notify.models import Outbox
from hazards.rules import holidays, instruments
from inspection.clock import SHANGHAI, local_date, start_of_local_day
from inspection.field import checklists, ratings, visits
from inspection.identity.accounts import actor_for, hash_password
from inspection.models import Department, Enterprise, User, Visit
from inspection.photos import service as photo_service
from inspection.photos.storage import PhotoStore
from inspection.planning import inspect_once as planning
from inspection.planning import tasks
from schemas.enums import HazardLevel, HazardStatus, ItemResult, Role
from schemas.hazards import PlanIn, ReinspectionIn, ReinspectionItemIn
from schemas.portal import RatingIn
from schemas.tasks import TaskCreate
from schemas.visits import ResultIn, SubmissionIn, VisitCreate, VisitStart
from server.demo import inbox as demo_inbox
from server.demo import leasing as leasing_demo
from server.demo import parts, programs
from server.demo import signoff as demo_signoff
from server.jobs.functions import task_policy
from server.settings import get_settings

SEED = 2026
MONTHS = 6
VISITS_PER_DEPARTMENT_MONTH = 4
FAIL_RATE = 0.06  # of the items asked at a visit
FIXED_ON_SPOT = 0.5  # of the failed items with no time allowed (0 days)
NOT_BACK_YET = 0.08  # of the orders: no re-inspection yet
STOPPED = 0.5  # of the visits finding major hazards: equipment stopped, people withdrawn (现场处理措施决定书)
NOT_RECTIFIED = 0.08  # of the hazards re-inspected: found not put right, given ten more days
TODAY_VISITS = 3  # planned for the demo inspector today
PHOTO_SIZE = (800, 600)
KINDS = {"应急": {"DUST", "FCZ"}, "消防": {"FCZ"}, "住建": {"GAS"}, "市监": {"GAS"}}  # what each department checks


@dataclass(frozen=True)
class History:
    visits: int
    hazards: int
    closed: int
    photos: int


def load(session: Session, *, store: PhotoStore, now: datetime, demo_enterprise_id: int) -> History | None:
    """Make the history unless the database already has visits (then None: never a second history).
    ``demo_enterprise_id``, the enterprise of the demo's enterprise login, gets an order still open."""
    if session.exec(select(Visit.id).limit(1)).first() is not None:
        return None
    rng = random.Random(SEED)
    today = local_date(now)
    inspectors = _inspectors_by_department(session)
    checked = _checked_by_department(session, set(inspectors))
    lead = min(inspectors)  # 应急, the first department: the demo inspector's, and it checks the demo enterprise
    plan = _plan(rng, today, checked)
    own, own_kinds = next(p for p in checked[lead] if p[0].id == demo_enterprise_id)
    recent = max(day for day, *_ in plan if day < today - timedelta(days=2))  # its order is not due yet
    earlier = min(day for day, *_ in plan if day > today - timedelta(days=75))  # closed since, and rated
    plan = sorted([*plan, (earlier, lead, own, own_kinds, 0), (recent, lead, own, own_kinds, 2)],
                  key=lambda p: (p[0], p[1], p[2].id or 0))
    agenda = _Agenda(session)  # re-inspections happen after the visits before them, in time order
    with tempfile.TemporaryDirectory(prefix="xuncha-demo-") as scratch:
        camera = _Camera(session, store, Path(scratch), rng)
        for day, department_id, enterprise, kinds, fails in plan:
            agenda.run_until(start_of_local_day(day))
            pair = inspectors[department_id]
            issued = _inspect(session, rng, camera, day, pair, enterprise, kinds, fails=fails)
            for order in issued if not fails else []:
                agenda.add(_reinspection(session, rng, order, pair, today=today, agenda=agenda, camera=camera))
        parts.load(session, shoot=camera.shoot, now=now)  # a joint visit per department, a referral (issue 16)
        agenda.run_until(now)  # re-inspections still to come take photos too: before the scratch folder goes
    first, second = inspectors[lead]
    for enterprise, kinds in rng.sample(checked[lead], TODAY_VISITS):
        visits.create(session, VisitCreate(enterprise_id=enterprise.id or 0, planned_date=today, kinds=kinds,
                                           inspector_ids=[second.id or 0]), actor=actor_for(first), now=now)
    _ratings(session, rng, demo_enterprise_id)
    _joint_plans(session, inspectors, checked, now=now)
    leasing_demo.load(session, now=now)  # 先验后批: the lessor's applications, inspected and decided
    programs.load(session, now=now)  # 审管联动 registrations and 安责险 policies (server/demo/programs.py)
    # after every demo visit is made: each submitted visit's record gets its §G.7 fields, then service
    demo_signoff.load(session, store=store, now=now, demo_enterprise_id=demo_enterprise_id)
    demo_inbox.settle(session, now=now)
    for message in session.exec(select(Outbox).where(Outbox.status == "pending")).all():
        message.status, message.sent_at = "sent", message.created_at  # went out when it happened, months ago
        session.add(message)
    session.flush()
    hazards = session.exec(select(Hazard.status)).all()
    return History(visits=session.exec(select(func.count()).select_from(Visit)).one(), hazards=len(hazards),
                   closed=sum(1 for status in hazards if status == HazardStatus.CLOSED),
                   photos=camera.taken)


def _inspectors_by_department(session: Session) -> dict[int, tuple[User, User]]:
    """Two certified inspectors per department (an order needs two), the demo's own."""
    people: dict[int, list[User]] = {}
    for user in session.exec(select(User).where(User.role == Role.INSPECTOR).order_by(col(User.id))).all():
        if user.cert_no and user.department_id is not None and user.is_active:
            people.setdefault(user.department_id, []).append(user)
    return {department_id: (users[0], users[1]) for department_id, users in people.items() if len(users) >= 2}


def _checked_by_department(session: Session, department_ids: set[int]
                           ) -> dict[int, list[tuple[Enterprise, list[str]]]]:
    """Per department, the enterprises it inspects and the checklists it uses there."""
    codes = {d.id: d.code for d in session.exec(select(Department)).all()}
    enterprises = session.exec(select(Enterprise).order_by(col(Enterprise.id))).all()
    applicable = {e.id: set(checklists.applicable_kinds(visits.profile_of(session, e))) for e in enterprises}
    checked: dict[int, list[tuple[Enterprise, list[str]]]] = {}
    for department_id in sorted(department_ids):
        mine = KINDS.get(codes.get(department_id, ""), set())
        checked[department_id] = [(e, sorted(applicable[e.id] & mine)) for e in enterprises if applicable[e.id] & mine]
    return {d: pairs for d, pairs in checked.items() if pairs}


RATINGS = [(5, "检查人员讲解清楚，整改要求明确"), (4, "检查细致，提前告知了检查时间"), (5, "复查及时，指导到位")]


def _ratings(session: Session, rng: random.Random, enterprise_id: int) -> None:
    """The demo enterprise rated its visits, all but the latest (left for a newcomer to rate)."""
    user = session.exec(select(User).where(User.enterprise_id == enterprise_id, User.role == Role.ENTERPRISE)).first()
    done = session.exec(select(Visit).where(Visit.enterprise_id == enterprise_id, col(Visit.submitted_at).is_not(None))
                        .order_by(col(Visit.submitted_at))).all()
    for visit in done[:-1] if user is not None else []:
        score, comment = rng.choice(RATINGS)
        assert visit.submitted_at is not None
        ratings.rate(session, visit.id or 0, RatingIn(score=score, comment=comment), actor=actor_for(user),
                     now=visit.submitted_at + timedelta(hours=rng.randrange(2, 30)))


def _joint_plans(session: Session, inspectors: dict[int, tuple[User, User]],
                 checked: dict[int, list[tuple[Enterprise, list[str]]]], *, now: datetime) -> None:
    """Next week, two departments each planned to visit the same enterprise, twice over: 综合查一次 makes each
    pair one joint visit (the merge the scheduler's ``inspect_once`` job runs)."""
    policy = task_policy(get_settings())
    today = local_date(now)
    window = {"window_start": today + timedelta(days=3), "window_end": today + timedelta(days=12)}
    by_kind: dict[str, list[int]] = {}
    for department_id, pairs in checked.items():
        for kind in sorted({k for _, kinds in pairs for k in kinds}):
            by_kind.setdefault(kind, []).append(department_id)
    for kind in ("FCZ", "GAS"):
        departments = by_kind.get(kind, [])[:2]
        if len(departments) < 2:
            continue
        shared = [e for e, kinds in checked[departments[0]] if kind in kinds and
                  any(e.id == other.id and kind in k for other, k in checked[departments[1]])]
        for department_id in departments if shared else []:
            tasks.create(session, TaskCreate(enterprise_id=shared[0].id or 0, kinds=[kind], **window),
                         actor=actor_for(inspectors[department_id][0]), now=now, policy=policy)
    planning.plan_visits(session, now=now, policy=policy,
                        is_working_day=holidays.of(session).is_working_day_or_weekday)


def _plan(rng: random.Random, today: date, checked: dict[int, list[tuple[Enterprise, list[str]]]]
          ) -> list[tuple[date, int, Enterprise, list[str], int]]:
    """(day, department, enterprise, kinds, 0 items failed on purpose) for each past visit, oldest first, on
    working days of this month and the ``MONTHS`` before."""
    start = (today.replace(day=1) - timedelta(days=31 * (MONTHS - 1))).replace(day=1)
    working = [d for d in (start + timedelta(days=n) for n in range((today - start).days)) if d.weekday() < 5]
    plan = []
    for department_id, pairs in checked.items():
        for month_start in sorted({d.replace(day=1) for d in working}):
            in_month = [d for d in working if d.replace(day=1) == month_start]
            for day in sorted(rng.sample(in_month, min(VISITS_PER_DEPARTMENT_MONTH, len(in_month)))):
                enterprise, kinds = rng.choice(pairs)
                plan.append((day, department_id, enterprise, kinds, 0))
    return sorted(plan, key=lambda p: (p[0], p[1], p[2].id or 0))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return start_of_local_day(day) + timedelta(hours=hour, minutes=minute)


class _Camera:
    """Real JPEGs through the photo service: what the phone would have uploaded."""

    def __init__(self, session: Session, store: PhotoStore, scratch: Path, rng: random.Random) -> None:
        self.session, self.store, self.scratch, self.rng = session, store, scratch, rng
        self.taken = 0

    def shoot(self, visit: Visit | None, who: User, enterprise: Enterprise, at: datetime, subject: str) -> int:
        self.taken += 1
        colour = tuple(self.rng.randrange(60, 200) for _ in range(3))
        picture = Image.new("RGB", PHOTO_SIZE, colour)
        draw = ImageDraw.Draw(picture)
        for _ in range(6):
            x, y = self.rng.randrange(0, PHOTO_SIZE[0] - 200), self.rng.randrange(0, PHOTO_SIZE[1] - 150)
            shade = tuple(max(0, c - self.rng.randrange(20, 60)) for c in colour)
            draw.rectangle((x, y, x + self.rng.randrange(60, 200), y + self.rng.randrange(40, 150)), fill=shade)
        draw.text((20, 20), f"demo {self.taken} {subject}", fill=(255, 255, 255))
        path = self.scratch / f"{self.taken}.jpg"
        picture.save(path, "JPEG", quality=80)
        photo, _ = photo_service.store_upload(
            self.session, tmp_path=path, client_uuid=str(uuid.UUID(int=self.rng.getrandbits(128))),
            actor=actor_for(who), now=at, store=self.store, enterprise_name=enterprise.name,
            visit_id=visit.id if visit else None)
        return photo.id or 0


def _inspect(session: Session, rng: random.Random, camera: _Camera, day: date, pair: tuple[User, User],
             enterprise: Enterprise, kinds: list[str], *, fails: int = 0) -> list[RectificationOrder]:
    """One visit, and the orders it issued; ``fails`` items are failed on purpose (with time to put them
    right)."""
    lead, partner = pair
    actor = actor_for(lead)
    visit = visits.create(session, VisitCreate(enterprise_id=enterprise.id or 0, planned_date=day, kinds=kinds,
                                               inspector_ids=[partner.id or 0]),
                          actor=actor, now=_at(day - timedelta(days=1), 16))
    arrived = _at(day, rng.randrange(9, 15), rng.randrange(0, 60))
    if enterprise.latitude is not None and enterprise.longitude is not None:
        visits.start(session, visit.id or 0, VisitStart(latitude=enterprise.latitude, longitude=enterprise.longitude),
                     actor=actor, now=arrived, far_meters=get_settings().far_start_meters)
    results = list(_results(session, rng, camera, visit, lead, enterprise, arrived, fails=fails))
    done = arrived + timedelta(minutes=rng.randrange(40, 120))
    outcome = intake.submit_visit(session, visit.id or 0, SubmissionIn(client_uuid=uuid.UUID(int=rng.getrandbits(128)),
                                                                       results=results),
                                  actor=actor, now=done, policy=deadlines.DeadlinePolicy())
    stopped = [h.id or 0 for h in outcome.hazards if h.level == HazardLevel.MAJOR and h.status in ACTIVE
               and h.department_id in _measure_departments(session)]
    if stopped and rng.random() < STOPPED:  # the danger could not be contained: a 现场处理措施决定书 of its own
        majors.issue_measures(session, stopped, ["withdraw", "stop_equipment"], co_inspector_id=partner.id or 0,
                              note="演示数据：除尘系统停止使用，撤出作业人员", actor=actor,
                              now=done + timedelta(minutes=10))
    return outcome.orders


def _measure_departments(session: Session) -> set[int]:
    """The departments that issue the 现场处理措施决定书 (the instrument's data names them)."""
    codes = set(instruments.onsite_measures().extra["departments"])
    return {d.id or 0 for d in session.exec(select(Department)).all() if d.code in codes}


def _results(session: Session, rng: random.Random, camera: _Camera, visit: Visit, lead: User,
             enterprise: Enterprise, at: datetime, *, fails: int) -> Iterator[ResultIn]:
    for asked in visits.asked_items(session, visit):
        item = asked.item
        failing = rng.random() < FAIL_RATE
        if fails and item.deadline_days > 0:
            failing, fails = True, fails - 1
        if not failing:
            yield ResultIn(item_code=item.code, result=ItemResult.PASS)
            continue
        photos = [camera.shoot(visit, lead, enterprise, at, item.code)] if item.photo_required else []
        # put right while the inspectors were there; never a major hazard (REFERENCE §G.4)
        if item.deadline_days == 0 and not asked.major and rng.random() < FIXED_ON_SPOT:
            after = [camera.shoot(visit, lead, enterprise, at + timedelta(minutes=20), f"{item.code} after")]
            yield ResultIn(item_code=item.code, result=ItemResult.FAIL, photo_ids=photos, fixed_on_spot=True,
                           after_photo_ids=after, note="现场已整改")
            continue
        yield ResultIn(item_code=item.code, result=ItemResult.FAIL, photo_ids=photos, note="演示数据：现场发现")


Reinspection = tuple[datetime, int, User, ReinspectionIn]  # when, order, lead inspector, what they find


def _reinspection(session: Session, rng: random.Random, order: RectificationOrder, pair: tuple[User, User], *,
                  today: date, agenda: "_Agenda", camera: "_Camera") -> Reinspection | None:
    """When the inspectors go back to an order and what they find: most hazards put right, a few late; None
    when nobody has been back yet (those hazards stay open, overdue or not yet due)."""
    hazards = [h for h in orders.hazards_of(session, order.id or 0)
               if h.status in (HazardStatus.OPEN, HazardStatus.SUBMITTED)]
    if not hazards or rng.random() < NOT_BACK_YET:
        return None
    due = min(h.due_at for h in hazards).astimezone(SHANGHAI).date()
    back = due + timedelta(days=rng.choice([-5, -3, -2, -1, 0, 0, 1, 3, 6]))
    back = max(back, order.issued_at.astimezone(SHANGHAI).date() + timedelta(days=1))
    if back >= today:
        return None
    lead, partner = pair
    at = _at(back, rng.randrange(9, 16))
    plans = [h.id or 0 for h in hazards if h.plan_required and h.plan_status != "approved"]
    if plans:  # the enterprise sends its 治理方案 within the week, the department approves it before going back
        sent = min(order.issued_at + timedelta(days=rng.randrange(1, 5)), at - timedelta(hours=6))
        for hazard_id in plans:
            agenda.add_step(sent, order.id or 0, lambda hid=hazard_id, when=sent: _send_plan(session, camera, hid,
                                                                                                  when))
            agenda.add_step(sent + timedelta(hours=3), order.id or 0,
                            lambda hid=hazard_id, when=sent + timedelta(hours=3): majors.review_plan(
                                session, hid, approve=True, note="演示数据：方案可行", actor=actor_for(lead),
                                now=when))
    items = [ReinspectionItemIn(hazard_id=h.id or 0, outcome="rectified", note="现场复查：已整改")
             if rng.random() >= NOT_RECTIFIED else
             ReinspectionItemIn(hazard_id=h.id or 0, outcome="not_rectified", note="现场复查：未整改到位",
                                new_due_date=back + timedelta(days=10))
             for h in hazards]
    return (at, order.id or 0, lead, ReinspectionIn(items=items, co_inspector_id=partner.id or 0))


def _send_plan(session: Session, camera: "_Camera", hazard_id: int, at: datetime) -> None:
    """The enterprise uploads its 治理方案 (a scan) from its own account."""
    hazard = session.get(Hazard, hazard_id)
    assert hazard is not None
    enterprise = session.get(Enterprise, hazard.enterprise_id)
    assert enterprise is not None
    user = _enterprise_user(session, enterprise)
    photo = camera.shoot(None, user, enterprise, at, f"plan {hazard.item_code}")
    evidence_service.upload_plan(session, hazard_id, PlanIn(plan_photo_ids=[photo], note="演示数据：治理方案"),
                                 actor=actor_for(user), now=at)


def _enterprise_user(session: Session, enterprise: Enterprise) -> User:
    """The enterprise's own account (its safety officer); made for the history where the demo has none. Not a
    demo login: its password is random and never shown."""
    user = session.exec(select(User).where(User.enterprise_id == enterprise.id, User.role == Role.ENTERPRISE)
                        .order_by(col(User.id))).first()
    if user is None:
        user = User(username=f"qiye{enterprise.id}", full_name=f"{enterprise.name} 安全员", role=Role.ENTERPRISE,
                    enterprise_id=enterprise.id, password_hash=hash_password(secrets.token_urlsafe(24), fast=True))
        session.add(user)
        session.flush()
    return user


def _resumed(session: Session, data: ReinspectionIn, enterprise_id: int) -> ReinspectionIn:
    """Where production had stopped, the re-inspection decides on resuming: yes once every hazard of the decision
    is put right."""
    rectified = {i.hazard_id for i in data.items if i.outcome == "rectified"}
    stopped = majors.stopped_decisions(session, enterprise_id, {i.hazard_id for i in data.items})
    if not stopped:
        return data
    def done(hazard_id: int) -> bool:
        hazard = session.get(Hazard, hazard_id)
        return hazard_id in rectified or hazard is None or hazard.status not in ACTIVE
    resume = all(done(hid) for d in stopped for hid in d.hazard_ids)
    return data.model_copy(update={"resume_production": resume,
                                   "resumption_note": "演示数据：隐患已消除" if resume else "演示数据：隐患未消除"})


class _Agenda:
    """What waits for its day, in time order: the majors' plans and their review, then re-inspections."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.waiting: list[tuple[datetime, int, int, Callable[[], object]]] = []
        self.added = 0

    def add_step(self, at: datetime, order_id: int, step: Callable[[], object]) -> None:
        self.added += 1
        self.waiting.append((at, order_id, self.added, step))
        self.waiting.sort(key=lambda r: (r[0], r[1], r[2]))

    def add(self, reinspection: Reinspection | None) -> None:
        if reinspection is not None:
            at, order_id, lead, data = reinspection
            order = self.session.get(RectificationOrder, order_id)
            assert order is not None
            enterprise_id = order.enterprise_id
            self.add_step(at, order_id, lambda: evidence_service.reinspect(
                self.session, order_id, _resumed(self.session, data, enterprise_id), actor=actor_for(lead), now=at))

    def run_until(self, moment: datetime) -> None:
        while self.waiting and self.waiting[0][0] < moment:
            self.waiting.pop(0)[3]()
