"""Demo data of the programs, made by their own services: 燃气审管联动 registrations (a few inspected and answered,
some waiting, one overdue) and 安责险 policies of most key enterprises (a few ending soon, one lapsed).

Called once from the demo history (after its visits, so the history still sees an empty database first); a
database that already has registration events gets nothing more.
"""

import random
import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from hazards.coverage import insurance_policies, insurance_reminders, insurance_rule
from hazards.coverage.insurance_models import InsurancePolicy
from hazards.linkage import events, outcomes
from hazards.linkage.models import GasEvent
from hazards.loop import deadlines, intake
from inspection.clock import SHANGHAI, local_date
from inspection.field import visits
from inspection.identity.accounts import actor_for
from inspection.models import Department, Enterprise, InspectionTask, User
from inspection.planning import inspect_once as planning
from inspection.registry.creditcode import check_character
from schemas.enums import ItemResult, Role
from schemas.insurance import PolicyIn
from schemas.linkage import GasEventIn
from schemas.visits import ResultIn, SubmissionIn, VisitCreate

SOURCE = "scjg"  # 区市场监管局 (行政审批) in the demo; configure real sources in XUNCHA_LINKAGE_SOURCES
SEED = 20261203

# event id, kind, days ago, name (new) or None (an existing demo enterprise's gas user), street, supply,
# days from registration to the inspection (None: not inspected yet)
EVENTS = [
    ("SCJG-2026-1101", "new_licence", 34, "常州川味小厨餐饮店", "三井街道", "lpg", 6),
    ("SCJG-2026-1102", "new_licence", 27, "新北区老街面馆", "河海街道", "pipeline", 9),
    ("SCJG-2026-1103", "lpg_user", 22, "罗溪镇农家乐饭庄", "罗溪镇", "lpg", 12),
    ("SCJG-2026-1104", "gas_use_change", 19, None, "", "both", 8),
    ("SCJG-2026-1105", "new_licence", 30, "春江街道烧烤店", "春江街道", "lpg", None),  # overdue
    ("SCJG-2026-1106", "new_licence", 6, "薛家镇早餐店", "薛家镇", "lpg", None),
    ("SCJG-2026-1107", "lpg_user", 3, "新桥街道快餐店", "新桥街道", "lpg", None),
    ("SCJG-2026-1108", "new_licence", 1, "孟河镇小吃店", "孟河镇", "pipeline", None),
]


def _code(n: int) -> str:
    base = f"92320411MA{n:07d}"
    return base + check_character(base)


def load(session: Session, *, now: datetime) -> None:
    if session.exec(select(GasEvent.id).limit(1)).first() is None:
        _linkage(session, now)
    if session.exec(select(InsurancePolicy.id).limit(1)).first() is None:
        _insurance(session, now)


def _at(now: datetime, days_ago: int, hour: int) -> datetime:
    day = local_date(now) - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=SHANGHAI)


def _linkage(session: Session, now: datetime) -> None:
    gas = session.exec(select(Department).where(Department.code == "住建")).first()
    if gas is None:
        return
    pair = session.exec(select(User).where(User.role == Role.INSPECTOR, User.department_id == gas.id)
                        .order_by(col(User.id))).all()[:2]
    gas_user = session.exec(select(Enterprise).where(col(Enterprise.gas_user).is_(True))
                            .order_by(col(Enterprise.id))).first()
    for n, (event_id, kind, days_ago, name, street, supply, inspected_after) in enumerate(EVENTS):
        registered = _at(now, days_ago, 10)
        code = gas_user.credit_code if name is None and gas_user else _code(1100 + n)
        event = GasEventIn(event_id=event_id, kind=kind, registered_at=registered, credit_code=code,
                           name=name or "", street=street, address=f"{street}演示路{n + 1}号" if street else "",
                           industry="catering", gas_supply=supply, licence_no=f"JY1320411{n:07d}")
        result = events.receive(session, event, source=SOURCE, via="api", actor=None,
                                now=registered + timedelta(minutes=5), policy=events.LinkagePolicy())
        if inspected_after is None or len(pair) < 2 or result.task_id is None:
            continue
        task = session.get(InspectionTask, result.task_id)
        assert task is not None
        day = local_date(registered) + timedelta(days=inspected_after)
        lead, partner = pair
        visit = visits.create(session, VisitCreate(enterprise_id=result.enterprise_id, planned_date=day,
                                                   kinds=["GAS"], inspector_ids=[partner.id or 0]),
                              actor=actor_for(lead), now=_at(now, (local_date(now) - day).days + 1, 16))
        planning.join_visit(session, visit, [task], now=visit.created_at)
        done = _at(now, (local_date(now) - day).days, 15)
        results = [ResultIn(item_code=a.item.code, result=ItemResult.PASS) for a in visits.asked_items(session, visit)]
        intake.submit_visit(session, visit.id or 0, SubmissionIn(client_uuid=uuid.UUID(int=SEED + n), results=results),
                            actor=actor_for(lead), now=done, policy=deadlines.DeadlinePolicy())
    planning.sync_with_visits(session, now=now)
    outcomes.report_outcomes(session, now=now, sources={})


def _insurance(session: Session, now: datetime) -> None:
    office = session.exec(select(User).where(User.role == Role.OFFICE).order_by(col(User.id))).first()
    if office is None:
        return
    actor = actor_for(office)
    rng = random.Random(SEED)
    today = local_date(now)
    insurers = ["中国人民财产保险股份有限公司常州市分公司", "中国平安财产保险股份有限公司常州中心支公司",
                "中国太平洋财产保险股份有限公司常州中心支公司"]
    keys = insurance_rule.key_enterprises(session, insurance_rule.current(session).rule)
    for n, key in enumerate(keys):
        roll = rng.random()
        if roll < 0.25:
            continue  # uncovered
        if roll < 0.33:
            start = today - timedelta(days=400)  # lapsed last month
        elif roll < 0.45:
            start = today - timedelta(days=365 - rng.randrange(3, 28))  # ends within the month
        else:
            start = today - timedelta(days=rng.randrange(20, 300))
        insurance_policies.create(session, PolicyIn(
            enterprise_id=key.id, insurer=insurers[n % len(insurers)], policy_number=f"AZX2026{3204110000 + n}",
            period_start=start, period_end=start + timedelta(days=364),
            insured_amount=rng.choice([1_000_000, 2_000_000, 5_000_000]),
            coverage="从业人员伤亡、第三者人身伤亡和财产损失、事故抢险救援及医疗救护费用"), actor=actor, now=now)
    insurance_reminders.remind_expiring(session, now=now, policy=insurance_reminders.ReminderPolicy())
