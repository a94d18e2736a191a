"""The hazard state machine: every move from every state, one audit event per legal move, none otherwise."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from hazards.errors import IllegalTransition
from hazards.loop import states
from hazards.loop.states import MOVES, Move
from hazards.models import Hazard
from inspection import audit
from inspection.errors import Conflict, InvalidInput
from inspection.identity.access import Actor
from schemas.enums import HazardLevel, HazardStatus, Role
from tests import factories

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
DUE = datetime(2026, 3, 12, 15, 59, 59, tzinfo=UTC)
EARLIER = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)

# The expected table, written out independently of MOVES.
LEGAL: dict[HazardStatus, list[Move]] = {
    HazardStatus.OPEN: [Move.SUBMIT, Move.CLOSE_ON_SPOT, Move.VOID],
    HazardStatus.SUBMITTED: [Move.ACCEPT, Move.REJECT, Move.VOID],
    HazardStatus.CLOSED: [Move.REOPEN],
    HazardStatus.VOIDED: [],  # for good: a corrected visit voided it; it was never closed
}
TARGET: dict[Move, HazardStatus] = {
    Move.SUBMIT: HazardStatus.SUBMITTED,
    Move.ACCEPT: HazardStatus.CLOSED,
    Move.REJECT: HazardStatus.OPEN,
    Move.CLOSE_ON_SPOT: HazardStatus.CLOSED,
    Move.REOPEN: HazardStatus.OPEN,
    Move.VOID: HazardStatus.VOIDED,
}
CROSS = list(itertools.product(HazardStatus, Move))
_codes = itertools.count(1)


def make_hazard(session: Session, status: HazardStatus = HazardStatus.OPEN, **overrides: object) -> Hazard:
    dept = factories.make_department(session, code=f"D{next(_codes)}")
    enterprise = factories.make_enterprise(session)
    values: dict[str, object] = {
        "enterprise_id": enterprise.id, "department_id": dept.id, "kind": "DUST", "item_code": "D-01",
        "level": HazardLevel.GENERAL, "status": status, "deadline_days": 7, "due_at": DUE, "found_at": EARLIER,
        "closed_at": EARLIER if status == HazardStatus.CLOSED else None,
    }
    values.update(overrides)
    hazard = Hazard(**values)  # type: ignore[arg-type]
    session.add(hazard)
    session.flush()
    return hazard



@pytest.fixture()
def actor(session: Session) -> Actor:
    user = factories.make_user(session, f"reviewer{next(_codes)}", Role.OFFICE)
    assert user.id is not None
    return Actor(user_id=user.id, username=user.username, full_name=user.full_name, role=Role.OFFICE)


# --- the table itself, no database ------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(HazardStatus))
def test_allowed_lists_the_legal_moves_in_move_order(status: HazardStatus) -> None:
    assert states.allowed(status) == LEGAL[status]


def test_table_targets() -> None:
    assert {move: target for move, (_, target) in MOVES.items()} == TARGET
    assert set(MOVES) == set(Move)


def test_illegal_transition_is_a_conflict_with_a_bilingual_message() -> None:
    error = IllegalTransition(current=HazardStatus.CLOSED, move=Move.SUBMIT, allowed=[Move.REOPEN])
    assert isinstance(error, Conflict)
    assert error.code == "illegal_transition"
    assert error.details == {"current": "closed", "move": "submit", "allowed": ["reopen"]}
    assert "已销号" in error.message and "重新打开" in error.message
    assert "cannot 'submit' a hazard that is 'closed'; allowed from 'closed': reopen" in error.message


# --- every move from every state ------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "move"), CROSS, ids=[f"{s}-{m}" for s, m in CROSS])
def test_every_move_from_every_state(session: Session, actor: Actor, status: HazardStatus, move: Move) -> None:
    hazard = make_hazard(session, status)
    assert hazard.id is not None
    closed_before = hazard.closed_at

    if move in LEGAL[status]:
        states.apply(session, hazard, move, actor=actor, at=NOW, reason="原因 reason")
        session.flush()
        target = TARGET[move]
        assert hazard.status == target
        events = audit.history(session, "hazard", hazard.id)
        assert len(events) == 1
        event = events[0]
        assert event.action == f"hazard.{move.value}"
        assert event.actor_id == actor.user_id
        assert event.before == {"status": status.value}
        assert event.after == {"status": target.value}
        assert event.reason == "原因 reason"
        assert event.at == NOW
        if target == HazardStatus.CLOSED:
            assert hazard.closed_at == NOW
        else:
            assert hazard.closed_at is None
        session.refresh(hazard)  # and it reached the database
        assert hazard.status == target
    else:
        with pytest.raises(IllegalTransition) as caught:
            states.apply(session, hazard, move, actor=actor, at=NOW, reason="原因 reason")
        error = caught.value
        assert error.code == "illegal_transition"
        assert error.details == {"current": status.value, "move": move.value,
                                 "allowed": [m.value for m in LEGAL[status]]}
        assert error.details["allowed"] == states.allowed(status)
        assert hazard.status == status
        assert hazard.closed_at == closed_before
        assert audit.history(session, "hazard", hazard.id) == []


def test_a_full_loop_writes_a_valid_chain(session: Session, actor: Actor) -> None:
    hazard = make_hazard(session)
    assert hazard.id is not None
    new_due = DUE + timedelta(days=7)
    states.apply(session, hazard, Move.SUBMIT, actor=None, at=NOW)
    states.apply(session, hazard, Move.REJECT, actor=actor, at=NOW + timedelta(hours=1), reason="照片不清晰",
                 extra={"due_at": new_due})
    states.apply(session, hazard, Move.SUBMIT, actor=None, at=NOW + timedelta(hours=2))
    states.apply(session, hazard, Move.ACCEPT, actor=actor, at=NOW + timedelta(hours=3))
    session.flush()
    events = audit.history(session, "hazard", hazard.id)
    assert [e.action for e in events] == ["hazard.submit", "hazard.reject", "hazard.submit", "hazard.accept"]
    assert events[0].actor_id is None
    assert events[1].after == {"status": "open", "due_at": new_due.isoformat()}
    assert hazard.status == HazardStatus.CLOSED
    assert hazard.closed_at == NOW + timedelta(hours=3)
    assert audit.verify_chain(session).ok


def test_void_needs_a_reason(session: Session, actor: Actor) -> None:
    hazard = make_hazard(session)
    assert hazard.id is not None
    with pytest.raises(InvalidInput) as caught:
        states.apply(session, hazard, Move.VOID, actor=actor, at=NOW, reason="  ")
    assert caught.value.code == "reason_required"
    assert hazard.status == HazardStatus.OPEN
    assert audit.history(session, "hazard", hazard.id) == []


def test_apply_needs_a_flushed_hazard(session: Session, actor: Actor) -> None:
    hazard = Hazard(enterprise_id=1, department_id=1, kind="DUST", item_code="D-01", level=HazardLevel.GENERAL,
                    due_at=DUE)
    with pytest.raises(ValueError):
        states.apply(session, hazard, Move.SUBMIT, actor=actor, at=NOW)
    assert hazard.status == HazardStatus.OPEN


def test_extra_cannot_override_the_status(session: Session, actor: Actor) -> None:
    hazard = make_hazard(session)
    with pytest.raises(ValueError):
        states.apply(session, hazard, Move.SUBMIT, actor=actor, at=NOW, extra={"status": "closed"})
    assert hazard.status == HazardStatus.OPEN


# --- overdue is derived ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "now", "expected"),
    [
        (HazardStatus.OPEN, DUE - timedelta(days=1), False),
        (HazardStatus.OPEN, DUE, False),
        (HazardStatus.OPEN, DUE + timedelta(seconds=1), True),
        (HazardStatus.SUBMITTED, DUE + timedelta(days=1), True),
        (HazardStatus.CLOSED, DUE + timedelta(days=1), False),
        (HazardStatus.CLOSED, DUE + timedelta(days=365), False),
    ],
)
def test_is_overdue(status: HazardStatus, now: datetime, expected: bool) -> None:
    hazard = Hazard(enterprise_id=1, department_id=1, kind="DUST", item_code="D-01", level=HazardLevel.GENERAL,
                    status=status, due_at=DUE)
    assert states.is_overdue(hazard, now) is expected


def test_is_overdue_on_a_loaded_hazard(session: Session) -> None:
    """due_at read back from the database is aware on SQLite and PostgreSQL alike."""
    hazard = make_hazard(session)
    session.commit()
    session.expire_all()
    loaded = session.get(Hazard, hazard.id)
    assert loaded is not None
    assert loaded.due_at.utcoffset() == timedelta(0)
    assert states.is_overdue(loaded, DUE + timedelta(seconds=1))
    assert not states.is_overdue(loaded, DUE)


def test_a_voided_hazard_has_its_own_status_and_is_never_closed(session: Session, actor: Actor) -> None:
    """A corrected visit's voided hazard is ``voided``: no closing time, never overdue, and it stays so."""
    hazard = make_hazard(session, HazardStatus.SUBMITTED)
    states.apply(session, hazard, Move.VOID, actor=actor, at=NOW, reason="检查结果更正")
    assert hazard.status == HazardStatus.VOIDED and hazard.voided
    assert hazard.closed_at is None
    assert not states.is_overdue(hazard, DUE + timedelta(days=30))
    assert states.allowed(HazardStatus.VOIDED) == []
    with pytest.raises(IllegalTransition):
        states.apply(session, hazard, Move.REOPEN, actor=actor, at=NOW)
