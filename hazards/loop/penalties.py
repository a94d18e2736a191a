"""首违免罚 decisions (REFERENCE §G.9): the inspector confirms or overrides the recommendation of
``hazards.rules.leniency``. A decision, once made, is never edited: a later one is a new ``PenaltyRuling`` with a
reason naming the one it replaces, and all stay visible (and audited). A decision not to punish is a
不予行政处罚决定书 with its own number, from the orders' gap-free numbering.
"""

from datetime import datetime

from sqlmodel import Session, col, select

from hazards.loop import orders
from hazards.models import Hazard, PenaltyDecision, PenaltyRuling
from hazards.rules import instruments
from inspection import audit
from inspection.clock import local
from inspection.errors import Conflict, InvalidInput
from inspection.identity.access import Actor
from inspection.models import Department


def rulings_of(session: Session, hazard_id: int) -> list[PenaltyRuling]:
    return list(session.exec(select(PenaltyRuling).where(PenaltyRuling.hazard_id == hazard_id)
                             .order_by(col(PenaltyRuling.id))).all())


def decide(session: Session, hazard: Hazard, *, confirm: bool, note: str, actor: Actor,
           now: datetime) -> PenaltyDecision:
    """The inspector confirms the recommendation, or overrides it with a reason. A decision already made changes
    only by a new one with a reason; the earlier stays. A decision not to punish issues a 不予行政处罚决定书."""
    decision = session.exec(select(PenaltyDecision).where(PenaltyDecision.hazard_id == hazard.id)).first()
    if decision is None:
        raise Conflict("隐患尚未销号，暂无免罚建议 / no recommendation until the hazard is closed",
                       code="no_recommendation")
    previous = rulings_of(session, hazard.id or 0)
    latest = previous[-1] if previous else None
    if not confirm and not note.strip():
        raise InvalidInput("推翻建议须说明理由 / overriding needs a reason", code="reason_required")
    if latest is not None and not note.strip():
        raise InvalidInput("已作出决定，变更须作出新的决定并说明理由 / a decision already made changes only by a new "
                           "decision with a reason", code="reason_required", details={"previous": latest.id})
    exempt = decision.recommended_exempt if confirm else not decision.recommended_exempt
    if exempt and not decision.offence:
        raise InvalidInput("该隐患不属于已核实的清单事项，不能据清单作出不予处罚决定 / not a verified listed offence",
                           code="not_a_listed_offence")
    ruling = PenaltyRuling(hazard_id=hazard.id or 0, exempt=exempt, decision="confirmed" if confirm else "overridden",
                           note=note, supersedes_id=latest.id if latest else None, department_id=hazard.department_id,
                           inspector_ids=[actor.user_id], offence=decision.offence, list_version=decision.list_version,
                           decided_by=actor.user_id, decided_at=now)
    if exempt:
        department = session.get(Department, hazard.department_id)
        assert department is not None and department.id is not None
        code = instruments.exemption().doc_code
        year = local(now).year
        ruling.number = orders.format_number(department, code, year,
                                             orders.next_serial(session, department.id, code, year))
    session.add(ruling)
    session.flush()
    decision.decision = ruling.decision
    decision.decided_by, decision.decided_at, decision.note = actor.user_id, now, note
    session.add(decision)
    audit.record(session, entity="hazard", entity_id=hazard.id or 0, action="hazard.penalty_decision", actor=actor,
                 at=now, before={"ruling_id": latest.id, "exempt": latest.exempt} if latest else None,
                 after={"ruling_id": ruling.id, "decision": ruling.decision, "exempt": exempt, "number": ruling.number,
                        "recommended_exempt": decision.recommended_exempt,
                        "enforcement_review": decision.enforcement_review, "supersedes_id": ruling.supersedes_id},
                 reason=note)
    session.flush()
    return decision
