"""首违免罚 (first violation, no penalty) as the province wrote it: a small rules engine over data (REFERENCE §D.2,
§G.9; ``data/leniency.json``).

The list is the Jiangsu 2025 list (江苏省应急管理轻微违法行为不予行政处罚清单, in force 2025-05-01, 20 items). Only
entries checked against the published list (``verified``) are in force; the others are kept for the record and
never recommended. The list belongs to 应急管理: a hazard of another department never matches it.

A hazard is recommended for no penalty when all of these hold:
1. it is a listed offence, verified, of the list's department, and the list was in force the day it was found;
2. it is a general (not major) hazard;
3. first violation: the same listed offence was not found at the enterprise since the list took effect
   (2025-05-01), i.e. no record of it in this system — not "the same checklist item ever";
4. it was rectified on time (closed on or before its deadline);
5. the enterprise had no fatal production-safety accident in the past 3 years;
6. the enterprise is not on the serious-dishonesty (严重失信) list.
Otherwise a hazard closed late, or a major one, is flagged for enforcement (立案) review.

The inspector confirms or overrides the recommendation (``hazards.loop.penalties``).
"""

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

from sqlmodel import Session, col, select

from hazards.models import Hazard, PenaltyDecision
from inspection.clock import local_date, start_of_local_day
from inspection.field import checklists
from inspection.models import Department, Enterprise
from schemas.enums import HazardLevel

LIST_FILE = Path(__file__).parent / "data" / "leniency.json"


@dataclass(frozen=True)
class Offence:
    """One entry of the list (清单事项) and the hazards it covers."""

    key: str
    offence: str
    verified: bool
    source: str
    situation: str
    level: str = "general"
    item_codes: tuple[str, ...] = ()
    any_item: bool = False  # every hazard of the level (e.g. 未采取措施消除一般事故隐患)

    def covers(self, item_code: str, level: str) -> bool:
        return level == self.level and (self.any_item or item_code in self.item_codes)


@dataclass(frozen=True)
class LeniencyList:
    name: str
    version: str
    valid_from: date
    valid_to: date
    department: str  # the enforcing department the list belongs to (its code, e.g. 应急)
    source: str
    offences: tuple[Offence, ...] = field(default=())

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to

    @property
    def items(self) -> dict[str, str]:
        """Item code -> situation, for the verified entries mapped to named items."""
        return {code: o.situation for o in self.offences if o.verified for code in o.item_codes}

    def match(self, item_code: str, level: str, department: str) -> tuple[Offence | None, list[Offence]]:
        """The verified offence a hazard is (a named item first, then one covering every item of its level), and
        the unverified entries that also name it (reported, never relied on). None for another department's
        hazard."""
        if department != self.department:
            return None, []
        verified = [o for o in self.offences if o.verified and o.covers(item_code, level)]
        verified.sort(key=lambda o: o.any_item)  # a named item before a catch-all
        unverified = [o for o in self.offences if not o.verified and o.covers(item_code, level)]
        return (verified[0] if verified else None), unverified


@cache
def load_list(path: Path = LIST_FILE) -> LeniencyList:
    raw = json.loads(path.read_text(encoding="utf-8"))
    offences = tuple(
        Offence(o["key"], o["offence"], bool(o["verified"]), o["source"], o.get("situation", ""),
                o["applies_to"].get("level", "general"), tuple(o["applies_to"].get("item_codes", [])),
                bool(o["applies_to"].get("any_item", False)))
        for o in raw["offences"])
    return LeniencyList(raw["name"], raw["version"], date.fromisoformat(raw["valid_from"]),
                        date.fromisoformat(raw["valid_to"]), raw["department"], raw["source"], offences)


@dataclass(frozen=True)
class Assessment:
    exempt: bool
    enforcement_review: bool
    reasons: list[str]
    offence: Offence | None = None


def _department_code(session: Session, hazard: Hazard) -> str:
    department = session.get(Department, hazard.department_id)
    return department.code if department is not None else ""


def _item_departments(hazard: Hazard) -> tuple[str, ...] | None:
    try:
        item = checklists.get(hazard.kind, hazard.checklist_version).item(hazard.item_code)
    except KeyError:
        return None
    return item.departments if item is not None and item.in_catalogue else None


def _advisory(hazard: Hazard) -> bool:
    try:
        item = checklists.get(hazard.kind, hazard.checklist_version).item(hazard.item_code)
    except KeyError:
        return False
    return bool(item is not None and item.advisory)


def offence_of(session: Session, hazard: Hazard, rules: LeniencyList) -> tuple[Offence | None, list[Offence]]:
    """The listed offence a hazard is, judged by its enforcing department (the hazard's, and the item's)."""
    department = _department_code(session, hazard)
    item_departments = _item_departments(hazard)
    if item_departments is not None and rules.department not in item_departments:
        department = ""  # another department's item: never on this list
    if _advisory(hazard):
        return None, []
    return rules.match(hazard.item_code, str(hazard.level), department)


def assess(hazard: Hazard, enterprise: Enterprise, *, offence: Offence | None, unverified: list[Offence],
           found_before: bool, rules: LeniencyList) -> Assessment:
    """Pure: the recommendation and every reason behind it."""
    found_day = local_date(hazard.found_at)
    if offence is not None and rules.in_force(found_day):
        listed = (True, f"属清单事项“{offence.offence}”（{rules.name}，{rules.version}，已核实）")
    elif offence is not None:
        listed = (False, f"发现之日清单（{rules.version}）未施行")
    elif unverified:
        names = "、".join(f"“{o.offence}”" for o in unverified)
        listed = (False, f"仅对应未经核实的清单事项{names}，不作免罚建议")
    else:
        listed = (False, f"不属于{rules.name}（{rules.version}）已核实的事项")
    general = hazard.level == HazardLevel.GENERAL
    checks = [
        listed,
        (general, "一般隐患" if general else "重大事故隐患"),
        (not found_before, f"自{rules.valid_from.isoformat()}起首次发现该清单事项，无执法记录" if not found_before
         else f"自{rules.valid_from.isoformat()}起已查出同一清单事项，非首次违法"),
        (_on_time(hazard), "按期整改完毕" if _on_time(hazard) else "未按期整改"),
        (not enterprise.fatal_accident_3y, "近三年无生产安全死亡事故" if not enterprise.fatal_accident_3y
         else "近三年发生过生产安全死亡事故"),
        (not enterprise.serious_dishonest, "未列入严重失信名单" if not enterprise.serious_dishonest
         else "已列入严重失信名单"),
    ]
    exempt = all(ok for ok, _ in checks)
    review = not exempt and (hazard.level == HazardLevel.MAJOR or not _on_time(hazard))
    return Assessment(exempt, review, [text for _, text in checks], offence)


def _on_time(hazard: Hazard) -> bool:
    return hazard.closed_at is not None and hazard.closed_at <= hazard.due_at


def found_before(session: Session, hazard: Hazard, offence: Offence | None, rules: LeniencyList) -> bool:
    """Whether the same listed offence was found at the enterprise earlier, since the list took effect."""
    if offence is None:
        return False
    since = start_of_local_day(rules.valid_from)
    earlier = session.exec(select(Hazard).where(
        Hazard.enterprise_id == hazard.enterprise_id, col(Hazard.found_at) < hazard.found_at,
        col(Hazard.found_at) >= since, Hazard.id != hazard.id, col(Hazard.voided).is_(False))).all()
    return any((offence_of(session, other, rules)[0] or Offence("", "", False, "", "")).key == offence.key
               for other in earlier)


def recommend(session: Session, hazard: Hazard, *, now: datetime) -> PenaltyDecision:
    """Store (or refresh) the recommendation for a closed hazard."""
    enterprise = session.get(Enterprise, hazard.enterprise_id)
    assert enterprise is not None
    rules = load_list()
    offence, unverified = offence_of(session, hazard, rules)
    result = assess(hazard, enterprise, offence=offence, unverified=unverified,
                    found_before=found_before(session, hazard, offence, rules), rules=rules)
    decision = session.exec(select(PenaltyDecision).where(PenaltyDecision.hazard_id == hazard.id)).first()
    decision = decision or PenaltyDecision(hazard_id=hazard.id, recommended_exempt=result.exempt, created_at=now)
    decision.recommended_exempt = result.exempt
    decision.enforcement_review = result.enforcement_review
    decision.reasons = result.reasons
    decision.list_version = rules.version
    decision.offence = offence.offence if offence is not None else ""
    session.add(decision)
    session.flush()
    return decision
