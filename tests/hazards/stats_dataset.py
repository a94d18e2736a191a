"""A small hand-made set of hazards whose statistics are known, for tests/hazards/test_stats.py and the API tests.

All times are Asia/Shanghai; NOW is 2026-07-01 10:00. Hazards are inserted directly with chosen found/due/closed
times and statuses (the voided one goes through ``states.apply`` so its audit event is real).

| id  | enterprise (street)     | dept   | item            | found (2026)  | due   | closed       | note
|-----|-------------------------|--------|-----------------|---------------|-------|--------------|--------------------
| h0  | A 甲铝业 (三井街道)       | safety | DUST-26         | 2025-03-01    | 03-31 | 2025-03-20   | earlier, flagged
| h1  | A                       | safety | DUST-01 major   | 06-02 10:00   | 06-09 | 06-05 15:00  | on time, 3 days
| h2  | A                       | safety | DUST-26         | 06-03 09:00   | 06-10 | 06-12 07:00  | late, 9 local days
| h3  | A                       | safety | DUST-17 on spot | 06-03 09:30   | 06-03 | 06-03 09:40  | 0 days
| h4  | B 乙餐饮 (河海街道)       | fire   | GAS-01          | 06-10 11:00   | 06-13 | open         | overdue
| h5  | B                       | fire   | GAS-16 major    | 06-20 14:00   | 07-10 | submitted    | not yet due
| h6  | B                       | fire   | GAS-02          | 05-20 10:00   | 06-05 | 06-04 16:00  | found in May
| h7  | A                       | safety | DUST-26 repeat  | 06-15 10:00   | 06-25 | 06-29 11:00  | late, 14 days
| h8  | A                       | safety | DUST-02         | 06-04 10:00   | 06-11 | voided 06-20 | left out
| h9  | T 承租企业0 (三井街道)    | safety | FCZ-01          | 06-01 00:30   | 06-08 | open         | overdue, UTC 5-31
| h10 | T                       | safety | FCZ-04          | 07-01 07:00   | 07-16 | open         | UTC 30 June
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from hazards.loop import states
from hazards.models import Hazard
from inspection.clock import SHANGHAI, end_of_local_day
from inspection.models import Department, Enterprise
from schemas.enums import HazardLevel, HazardStatus
from tests.personas import World

NOW = datetime(2026, 7, 1, 10, 0, tzinfo=SHANGHAI)


def at(text: str) -> datetime:
    """'2026-06-02 10:00' Shanghai time."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


def make_hazard(session: Session, enterprise: Enterprise, department: Department, item_code: str, *, found: str,
                due: str, closed: str | None = None, status: HazardStatus | None = None,
                level: HazardLevel = HazardLevel.GENERAL, fixed_on_spot: bool = False, repeat_of: Hazard | None = None,
                suspected: bool = False) -> Hazard:
    found_at = at(found)
    hazard = Hazard(
        enterprise_id=enterprise.id, department_id=department.id, kind=item_code.split("-")[0], item_code=item_code,
        level=level, status=status or (HazardStatus.CLOSED if closed else HazardStatus.OPEN),
        due_at=end_of_local_day(date.fromisoformat(due)), found_at=found_at,
        closed_at=at(closed) if closed else None, fixed_on_spot=fixed_on_spot,
        repeat_of_id=repeat_of.id if repeat_of else None, suspected_false_rectification=suspected,
        street=enterprise.street, industry=enterprise.industry, risk_class=str(enterprise.risk_class),
        found_month=found_at.strftime("%Y-%m"),
    )
    session.add(hazard)
    session.flush()
    return hazard


@dataclass
class Dataset:
    world: World
    h: dict[str, Hazard]


def build(session: Session, world: World) -> Dataset:
    a, b, tenant = world.enterprise_a, world.enterprise_b, world.tenants[0]
    safety, fire = world.safety, world.fire
    major = HazardLevel.MAJOR
    h: dict[str, Hazard] = {}
    h["h0"] = make_hazard(session, a, safety, "DUST-26", found="2025-03-01 10:00", due="2025-03-31",
                          closed="2025-03-20 10:00", suspected=True)
    h["h1"] = make_hazard(session, a, safety, "DUST-01", found="2026-06-02 10:00", due="2026-06-09",
                          closed="2026-06-05 15:00", level=major)
    h["h2"] = make_hazard(session, a, safety, "DUST-26", found="2026-06-03 09:00", due="2026-06-10",
                          closed="2026-06-12 07:00")
    h["h3"] = make_hazard(session, a, safety, "DUST-17", found="2026-06-03 09:30", due="2026-06-03",
                          closed="2026-06-03 09:40", fixed_on_spot=True)
    h["h4"] = make_hazard(session, b, fire, "GAS-01", found="2026-06-10 11:00", due="2026-06-13")
    h["h5"] = make_hazard(session, b, fire, "GAS-16", found="2026-06-20 14:00", due="2026-07-10",
                          status=HazardStatus.SUBMITTED, level=major)
    h["h6"] = make_hazard(session, b, fire, "GAS-02", found="2026-05-20 10:00", due="2026-06-05",
                          closed="2026-06-04 16:00")
    h["h7"] = make_hazard(session, a, safety, "DUST-26", found="2026-06-15 10:00", due="2026-06-25",
                          closed="2026-06-29 11:00", repeat_of=h["h0"], suspected=True)
    h["h8"] = make_hazard(session, a, safety, "DUST-02", found="2026-06-04 10:00", due="2026-06-11")
    states.apply(session, h["h8"], states.Move.VOID, actor=None, at=at("2026-06-20 09:00"),
                 reason="检查结果更正（第2版）/ corrected visit")
    h["h9"] = make_hazard(session, tenant, safety, "FCZ-01", found="2026-06-01 00:30", due="2026-06-08")
    h["h10"] = make_hazard(session, tenant, safety, "FCZ-04", found="2026-07-01 07:00", due="2026-07-16")
    session.flush()
    return Dataset(world, h)
