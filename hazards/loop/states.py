"""The hazard state machine: the only place that assigns ``Hazard.status``.

Every move is one row of ``MOVES`` (allowed sources -> target) and appends one audit event
(``hazard.<move>``, before/after status, actor, reason) in the caller's transaction. Overdue is derived
from ``due_at`` and ``now``, never stored.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from hazards.errors import IllegalTransition
from hazards.loop import deadlines
from hazards.models import Hazard
from inspection import audit
from inspection.errors import InvalidInput
from inspection.identity.access import Actor
from schemas.enums import HazardLevel, HazardStatus

OPEN, SUBMITTED, CLOSED, VOIDED = HazardStatus.OPEN, HazardStatus.SUBMITTED, HazardStatus.CLOSED, HazardStatus.VOIDED
# still to be rectified: reminded, overdue, on the order's open list; closed and voided ones are done with
ACTIVE: frozenset[HazardStatus] = frozenset({OPEN, SUBMITTED})


class Move(StrEnum):
    SUBMIT = "submit"  # enterprise uploaded rectification evidence
    ACCEPT = "accept"  # reviewer verified the evidence -> closed (销号)
    REJECT = "reject"  # reviewer refused the evidence -> open again, possibly with a new deadline
    CLOSE_ON_SPOT = "close_on_spot"  # fixed on the spot while the inspector was there, closed at creation
    REOPEN = "reopen"  # a corrected visit or a failed re-inspection reopens a closed hazard
    VOID = "void"  # a correction removed the failure: voided with a reason, never counted as closed


MOVES: dict[Move, tuple[frozenset[HazardStatus], HazardStatus]] = {
    Move.SUBMIT: (frozenset({OPEN}), SUBMITTED),
    Move.ACCEPT: (frozenset({SUBMITTED}), CLOSED),
    Move.REJECT: (frozenset({SUBMITTED}), OPEN),
    Move.CLOSE_ON_SPOT: (frozenset({OPEN}), CLOSED),
    Move.REOPEN: (frozenset({CLOSED}), OPEN),
    Move.VOID: (frozenset({OPEN, SUBMITTED}), VOIDED),
}

REASON_REQUIRED: frozenset[Move] = frozenset({Move.VOID})


def allowed(status: HazardStatus) -> list[Move]:
    """The moves legal from ``status``, in ``Move`` order."""
    return [move for move, (sources, _) in MOVES.items() if status in sources]


def apply(
    session: Session,
    hazard: Hazard,
    move: Move,
    *,
    actor: Actor | None,
    at: datetime,
    reason: str = "",
    extra: dict[str, Any] | None = None,
) -> None:
    """Move ``hazard`` and record the audit event; flushes the event, never commits.

    ``actor`` is None for system moves (a job). ``extra`` adds fields to the event's ``after`` (e.g. the new
    ``due_at`` of a rejection, which the caller sets on the hazard itself). Sets ``closed_at`` to ``at`` when
    the move closes the hazard and clears it when the move leaves ``closed``.
    """
    if hazard.id is None:
        raise ValueError("flush the hazard before moving it: the audit event needs its id")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"at must be timezone-aware, got {at!r}")
    if extra and "status" in extra:
        raise ValueError("extra may not override 'status'")
    move = Move(move)
    if move == Move.CLOSE_ON_SPOT and hazard.level == HazardLevel.MAJOR:
        raise InvalidInput("重大事故隐患不得当场整改销号，须经治理方案和现场复查 / a major hazard is never "
                           "closed on the spot", code="major_not_closable_on_spot", details={"hazard_id": hazard.id})
    sources, target = MOVES[move]
    current = HazardStatus(hazard.status)
    if current not in sources:
        raise IllegalTransition(current=current, move=move, allowed=allowed(current))
    if move in REASON_REQUIRED and not reason.strip():
        raise InvalidInput(
            f"{move.value} 需要填写原因 / a reason is required to {move.value} a hazard",
            code="reason_required",
            details={"move": move.value},
        )
    audit.record(
        session,
        entity="hazard",
        entity_id=hazard.id,
        action=f"hazard.{move.value}",
        actor=actor,
        at=at,
        before={"status": current},
        after={"status": target, **(extra or {})},
        reason=reason,
    )
    hazard.status = target
    if move == Move.VOID:
        hazard.voided = True  # for good: the statistics never count it again, even if it were reopened
    if target == CLOSED:
        hazard.closed_at = at
    elif current == CLOSED:
        hazard.closed_at = None
    session.add(hazard)


def is_overdue(hazard: Hazard, now: datetime) -> bool:
    """Open or submitted and past ``due_at``; a closed or voided hazard is never overdue. Derived, never stored."""
    return deadlines.is_overdue(hazard.due_at, now, closed=hazard.status not in ACTIVE)
