"""Referrals (移送): findings another department's visit (or a grid worker) sent to the enforcing department."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from inspection.planning import referrals as referral_service
from inspection.types import utcnow
from schemas.common import Id, Offset
from schemas.referrals import ReferralAcceptIn, ReferralDeclineIn, ReferralPublic
from schemas.tasks import ReferralStatus
from server.auth import CurrentActor
from server.db import SessionDep, WriteSessionDep

router = APIRouter(tags=["referrals"])


@router.get("/referrals", response_model=list[ReferralPublic])
def list_referrals(
    session: SessionDep,
    actor: CurrentActor,
    direction: Literal["received", "sent"] = "received",
    status: ReferralStatus | None = None,
    department_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    offset: Offset = 0,
) -> list[ReferralPublic]:
    """Referrals the inspector's department received (or sent, `?direction=sent`), newest first; the office
    sees every department's (`?department_id=` for one)."""
    rows = referral_service.listing(session, actor=actor, direction=direction, status=status,
                                    department_id=department_id, limit=limit, offset=offset)
    return [ReferralPublic.model_validate(r) for r in rows]


@router.get("/referrals/{referral_id}", response_model=ReferralPublic)
def read_referral(referral_id: Id, session: SessionDep, actor: CurrentActor) -> ReferralPublic:
    return ReferralPublic.model_validate(referral_service.get_visible(session, referral_id, actor))


@router.post("/referrals/{referral_id}/accept", response_model=ReferralPublic)
def accept_referral(referral_id: Id, body: ReferralAcceptIn, session: WriteSessionDep, actor: CurrentActor
                    ) -> ReferralPublic:
    """The receiving department takes the matter on (its task stays for the planner)."""
    referral = referral_service.accept(session, referral_id, actor=actor, now=utcnow(), note=body.note)
    out = ReferralPublic.model_validate(referral)
    session.commit()
    return out


@router.post("/referrals/{referral_id}/decline", response_model=ReferralPublic)
def decline_referral(referral_id: Id, body: ReferralDeclineIn, session: WriteSessionDep, actor: CurrentActor
                     ) -> ReferralPublic:
    """The receiving department declines the matter, with the reason; its task is cancelled."""
    referral = referral_service.decline(session, referral_id, body.reason, actor=actor, now=utcnow())
    out = ReferralPublic.model_validate(referral)
    session.commit()
    return out
