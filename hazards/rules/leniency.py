"""首违免罚 (first violation, no penalty): a small rules engine over data (REFERENCE.md §D.2).

A hazard is recommended for no penalty when all of these hold:
1. its item is on the leniency list in force on the day it was found;
2. it is a general (not major) hazard;
3. the enterprise never had this item found before (first violation);
4. it was rectified on time (closed on or before its deadline);
5. the enterprise had no fatal production-safety accident in the past 3 years;
6. the enterprise is not on the serious-dishonesty (严重失信) list.
Otherwise a hazard closed late, or a major one, is flagged for enforcement (立案) review. The inspector
confirms or overrides the recommendation with a reason; the decision and its reasons are stored.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from sqlmodel import Session, col, func, select

from hazards.models import Hazard, PenaltyDecision
from inspection import audit
from inspection.clock import local_date
from inspection.errors import Conflict, InvalidInput
from inspection.identity.access import Actor
from inspection.models import Enterprise
from schemas.enums import HazardLevel

LIST_FILE = Path(__file__).parent / "data" / "leniency.json"


@dataclass(frozen=True)
class LeniencyList:
    name: str
    version: str
    valid_from: date
    valid_to: date
    items: dict[str, str]  # item code -> situation (适用情形)

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to


@cache
def load_list(path: Path = LIST_FILE) -> LeniencyList:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return LeniencyList(raw["name"], raw["version"], date.fromisoformat(raw["valid_from"]),
                        date.fromisoformat(raw["valid_to"]), {i["item_code"]: i["situation"] for i in raw["items"]})


@dataclass(frozen=True)
class Assessment:
    exempt: bool
    enforcement_review: bool
    reasons: list[str]


def assess(hazard: Hazard, enterprise: Enterprise, *, found_before: bool, rules: LeniencyList) -> Assessment:
    """Pure: the recommendation and every reason behind it."""
    found_day = local_date(hazard.found_at)
    checks = [
        (hazard.item_code in rules.items and rules.in_force(found_day),
         f"检查项{'在' if hazard.item_code in rules.items else '不在'}免罚清单（{rules.version}）内"),
        (hazard.level == HazardLevel.GENERAL, "一般隐患" if hazard.level == HazardLevel.GENERAL else "重大事故隐患"),
        (not found_before, "首次发现" if not found_before else "该企业此前已被查出同一问题"),
        (_on_time(hazard), "按期整改完毕" if _on_time(hazard) else "未按期整改"),
        (not enterprise.fatal_accident_3y, "近三年无生产安全死亡事故" if not enterprise.fatal_accident_3y
         else "近三年发生过生产安全死亡事故"),
        (not enterprise.serious_dishonest, "未列入严重失信名单" if not enterprise.serious_dishonest
         else "已列入严重失信名单"),
    ]
    exempt = all(ok for ok, _ in checks)
    review = not exempt and (hazard.level == HazardLevel.MAJOR or not _on_time(hazard))
    return Assessment(exempt, review, [text for _, text in checks])


def _on_time(hazard: Hazard) -> bool:
    return hazard.closed_at is not None and hazard.closed_at <= hazard.due_at


def recommend(session: Session, hazard: Hazard, *, now: datetime) -> PenaltyDecision:
    """Store (or refresh) the recommendation for a closed hazard."""
    enterprise = session.get(Enterprise, hazard.enterprise_id)
    assert enterprise is not None
    earlier = session.exec(select(func.count()).select_from(Hazard).where(
        Hazard.enterprise_id == hazard.enterprise_id, Hazard.item_code == hazard.item_code,
        col(Hazard.found_at) < hazard.found_at, Hazard.id != hazard.id)).one()
    rules = load_list()
    result = assess(hazard, enterprise, found_before=earlier > 0, rules=rules)
    decision = session.exec(select(PenaltyDecision).where(PenaltyDecision.hazard_id == hazard.id)).first()
    decision = decision or PenaltyDecision(hazard_id=hazard.id, recommended_exempt=result.exempt, created_at=now)
    decision.recommended_exempt = result.exempt
    decision.enforcement_review = result.enforcement_review
    decision.reasons = result.reasons
    decision.list_version = rules.version
    session.add(decision)
    session.flush()
    return decision


def decide(session: Session, hazard: Hazard, *, confirm: bool, note: str, actor: Actor,
           now: datetime) -> PenaltyDecision:
    """The inspector confirms the recommendation, or overrides it with a reason."""
    decision = session.exec(select(PenaltyDecision).where(PenaltyDecision.hazard_id == hazard.id)).first()
    if decision is None:
        raise Conflict("隐患尚未销号，暂无免罚建议 / no recommendation until the hazard is closed",
                       code="no_recommendation")
    if not confirm and not note.strip():
        raise InvalidInput("推翻建议须说明理由 / overriding needs a reason", code="reason_required")
    decision.decision = "confirmed" if confirm else "overridden"
    decision.decided_by, decision.decided_at, decision.note = actor.user_id, now, note
    session.add(decision)
    audit.record(session, entity="hazard", entity_id=hazard.id or 0, action="hazard.penalty_decision", actor=actor,
                 at=now, after={"decision": decision.decision, "recommended_exempt": decision.recommended_exempt,
                                "enforcement_review": decision.enforcement_review}, reason=note)
    session.flush()
    return decision
