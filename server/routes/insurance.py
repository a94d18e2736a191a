"""安责险: policies, the key-enterprise rule, coverage by street and kind, the uncovered key enterprises."""

from typing import Annotated

from fastapi import APIRouter, Query

from hazards.coverage import insurance_policies, insurance_rates, insurance_rule
from inspection.types import utcnow
from schemas.common import Id, Offset, Page
from schemas.insurance import CoverageReport, KeyRuleIn, KeyRulePublic, PolicyIn, PolicyPublic, UncoveredRow
from server.auth import CurrentActor
from server.db import SessionDep, WriteSessionDep
from server.settings import get_settings

router = APIRouter(tags=["insurance"])


@router.post("/insurance/policies", response_model=PolicyPublic, status_code=201)
def create_policy(body: PolicyIn, session: WriteSessionDep, actor: CurrentActor) -> PolicyPublic:
    """Record a 安全生产责任保险 policy (office, admin). The same policy number with an overlapping period: 409."""
    now = utcnow()
    policy = insurance_policies.create(session, body, actor=actor, now=now)
    out = insurance_policies.public(session, [policy], now=now)[0]
    session.commit()
    return out


@router.get("/insurance/policies", response_model=Page[PolicyPublic])
def list_policies(session: SessionDep, actor: CurrentActor, enterprise_id: Id | None = None,
                  limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Offset = 0) -> Page[PolicyPublic]:
    """Policies, newest end first (an enterprise: its own)."""
    rows, total = insurance_policies.search(session, actor=actor, enterprise_id=enterprise_id, limit=limit,
                                            offset=offset)
    return Page(items=insurance_policies.public(session, rows, now=utcnow()), total=total, limit=limit,
                offset=offset)


@router.get("/insurance/policies/{policy_id}", response_model=PolicyPublic)
def get_policy(policy_id: Id, session: SessionDep, actor: CurrentActor) -> PolicyPublic:
    policy = insurance_policies.get(session, policy_id, actor=actor)
    return insurance_policies.public(session, [policy], now=utcnow())[0]


@router.get("/insurance/key-rule", response_model=KeyRulePublic)
def get_key_rule(session: SessionDep, actor: CurrentActor) -> KeyRulePublic:
    """Which enterprises must be insured: criteria with their basis, unverified ones marked (version 0: as shipped)."""
    return insurance_rule.read(session, actor=actor)


@router.put("/insurance/key-rule", response_model=KeyRulePublic)
def put_key_rule(body: KeyRuleIn, session: WriteSessionDep, actor: CurrentActor) -> KeyRulePublic:
    """The office edits the rule: a new version, audited."""
    out = insurance_rule.update(session, body, actor=actor, now=utcnow())
    session.commit()
    return out


@router.get("/insurance/coverage", response_model=CoverageReport)
def coverage(session: SessionDep, actor: CurrentActor) -> CoverageReport:
    """Key enterprises covered today, overall, by street and by kind (each criterion of the rule)."""
    days = get_settings().insurance_remind_days
    return insurance_rates.report(session, actor=actor, now=utcnow(), soon_days=max(days) if days else 30)


@router.get("/insurance/uncovered", response_model=list[UncoveredRow])
def uncovered(session: SessionDep, actor: CurrentActor,
              street: Annotated[str | None, Query(max_length=64)] = None,
              kind: Annotated[str | None, Query(max_length=32)] = None) -> list[UncoveredRow]:
    """Key enterprises without a policy in force today."""
    return insurance_rates.uncovered(session, actor=actor, now=utcnow(), street=street, kind=kind)
