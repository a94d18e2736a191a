"""The key-enterprise rule (重点投保企业范围): shipped as data with its sources, edited by the office (each edit a new
version, audited), and matched against the enterprise register.

安全生产法 Art.51(2) obliges the high-risk industries the State (and the province) names; the district adds its own
priorities (dust, 厂中厂 lessors, gas users). Every criterion carries its basis and whether it was verified; the
shipped ones other than the law itself are marked unverified (``data/insurance_key_rule.json``).
"""

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from hazards.coverage.insurance_models import InsuranceKeyRule
from inspection import audit
from inspection.errors import InvalidInput
from inspection.field.checklists import INDUSTRIES
from inspection.identity.access import Actor, require_role
from inspection.models import Enterprise, PlantSite, PlantSiteTenant
from schemas.enums import Role
from schemas.insurance import KeyCondition, KeyRuleIn, KeyRulePublic

DATA_FILE = Path(__file__).parent / "data" / "insurance_key_rule.json"


@cache
def shipped() -> KeyRuleIn:
    return KeyRuleIn.model_validate(json.loads(DATA_FILE.read_text(encoding="utf-8")))


def current(session: Session) -> KeyRulePublic:
    row = session.exec(select(InsuranceKeyRule).order_by(col(InsuranceKeyRule.id).desc())).first()
    if row is None:
        return KeyRulePublic(version=0, created_at=None, rule=shipped())
    return KeyRulePublic(version=row.id or 0, created_at=row.created_at, rule=KeyRuleIn.model_validate(row.rule))


def read(session: Session, *, actor: Actor) -> KeyRulePublic:
    require_role(actor, Role.OFFICE, Role.ADMIN, Role.INSPECTOR, action="see the key-enterprise rule")
    return current(session)


def update(session: Session, rule: KeyRuleIn, *, actor: Actor, now: datetime) -> KeyRulePublic:
    require_role(actor, Role.OFFICE, Role.ADMIN, action="edit the key-enterprise rule")
    ids = [c.id for c in rule.criteria]
    if len(set(ids)) != len(ids):
        raise InvalidInput("规则项编号重复 / criterion ids must be unique", code="duplicate_criterion")
    for criterion in rule.criteria:
        unknown = sorted(set(criterion.when.industry or []) - INDUSTRIES)
        if unknown:
            raise InvalidInput(f"未知行业 / unknown industries: {', '.join(unknown)}", code="unknown_industry",
                               details={"criterion": criterion.id, "allowed": sorted(INDUSTRIES)})
        if not criterion.when.model_dump(exclude_none=True):
            raise InvalidInput("规则项至少要有一个条件 / a criterion needs a condition", code="empty_criterion",
                               details={"criterion": criterion.id})
    before = current(session)
    row = InsuranceKeyRule(rule=rule.model_dump(mode="json"), created_by=actor.user_id, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, entity="insurance_key_rule", entity_id=row.id or 0, action="insurance_rule.updated",
                 actor=actor, at=now, before={"version": before.version, "rule": before.rule.model_dump(mode="json")},
                 after={"version": row.id, "rule": row.rule})
    return current(session)


@dataclass(frozen=True)
class KeyEnterprise:
    id: int
    name: str
    credit_code: str
    street: str
    kinds: tuple[str, ...]  # ids of the criteria it matches


def matches(when: KeyCondition, enterprise: Enterprise, roles: set[str]) -> bool:
    checks: list[bool] = []
    if when.dust_involved is not None:
        checks.append(enterprise.dust_involved == when.dust_involved)
    if when.gas_user is not None:
        checks.append(enterprise.gas_user == when.gas_user)
    if when.gas_role is not None:
        checks.append(enterprise.gas_user and enterprise.gas_role in when.gas_role)
    if when.gas_supply is not None:
        checks.append(enterprise.gas_user and (enterprise.gas_supply or "") in when.gas_supply)
    if when.industry is not None:
        checks.append(enterprise.industry in when.industry)
    if when.risk_class is not None:
        checks.append(enterprise.risk_class in when.risk_class)
    if when.plant_role is not None:
        checks.append(when.plant_role in roles)
    return bool(checks) and all(checks)


def key_enterprises(session: Session, rule: KeyRuleIn) -> list[KeyEnterprise]:
    roles: dict[int, set[str]] = {}
    for landlord_id in session.exec(select(PlantSite.landlord_id)).all():
        roles.setdefault(landlord_id, set()).add("landlord")
    for tenant_id in session.exec(select(PlantSiteTenant.enterprise_id)).all():
        roles.setdefault(tenant_id, set()).add("tenant")
    out = []
    for enterprise in session.exec(select(Enterprise).order_by(col(Enterprise.id))).all():
        kinds = tuple(c.id for c in rule.criteria if matches(c.when, enterprise, roles.get(enterprise.id or 0, set())))
        if kinds:
            out.append(KeyEnterprise(enterprise.id or 0, enterprise.name, enterprise.credit_code, enterprise.street,
                                     kinds))
    return out


def describe(rule: KeyRuleIn) -> dict[str, Any]:
    return {c.id: c.label for c in rule.criteria}
