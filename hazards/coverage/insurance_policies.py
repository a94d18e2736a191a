"""安责险 policies: entered one at a time or imported from an insurer's CSV (all rows or none).

The same policy number twice with overlapping periods is refused (409): an insurer's renewal may keep its number,
but two periods of one number never overlap.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, func, select

from hazards.coverage.insurance_models import InsurancePolicy
from inspection import audit
from inspection.clock import local_date
from inspection.errors import Conflict, DomainError, InvalidInput, NotFound
from inspection.identity.access import Actor, require_role
from inspection.models import Enterprise
from inspection.registry.enterprises import valid_credit_code
from inspection.registry.importer import RowProblem, read_rows
from schemas.enums import Role
from schemas.insurance import PolicyIn, PolicyPublic

WRITERS = (Role.OFFICE, Role.ADMIN)
READERS = (Role.OFFICE, Role.ADMIN, Role.INSPECTOR, Role.ENTERPRISE)


def normal_number(raw: str) -> str:
    return raw.strip().upper()


def overlapping(session: Session, number: str, start: date, end: date) -> InsurancePolicy | None:
    return session.exec(select(InsurancePolicy).where(
        InsurancePolicy.policy_number == number, col(InsurancePolicy.period_start) <= end,
        col(InsurancePolicy.period_end) >= start)).first()


def create(session: Session, data: PolicyIn, *, actor: Actor, now: datetime, via: str = "api") -> InsurancePolicy:
    require_role(actor, *WRITERS, action="record insurance policies")
    enterprise = session.get(Enterprise, data.enterprise_id)
    if enterprise is None:
        raise InvalidInput("企业不存在 / unknown enterprise", code="unknown_enterprise")
    number = normal_number(data.policy_number)
    clash = overlapping(session, number, data.period_start, data.period_end)
    if clash is not None:
        raise Conflict(f"保单号 {number} 已登记，且保险期间重叠（{clash.period_start}至{clash.period_end}）"
                       "/ this policy number is already recorded for an overlapping period", code="policy_overlap",
                       details={"policy_id": clash.id, "period_start": clash.period_start,
                                "period_end": clash.period_end})
    policy = InsurancePolicy(enterprise_id=enterprise.id or 0, insurer=data.insurer, policy_number=number,
                             period_start=data.period_start, period_end=data.period_end,
                             insured_amount=data.insured_amount, coverage=data.coverage, via=via,
                             created_by=actor.user_id, created_at=now)
    session.add(policy)
    session.flush()
    audit.record(session, entity="insurance_policy", entity_id=policy.id or 0, action="insurance_policy.created",
                 actor=actor, at=now, after=audit.snapshot(policy))
    return policy


def state_of(policy: InsurancePolicy, today: date) -> tuple[str, int | None]:
    if today < policy.period_start:
        return "future", None
    if today > policy.period_end:
        return "expired", None
    return "active", (policy.period_end - today).days


def public(session: Session, policies: list[InsurancePolicy], *, now: datetime) -> list[PolicyPublic]:
    ids = {p.enterprise_id for p in policies}
    names = {row[0]: (row[1], row[2]) for row in session.exec(
        select(Enterprise.id, Enterprise.name, Enterprise.credit_code).where(col(Enterprise.id).in_(ids))).all()}
    today = local_date(now)
    out = []
    for p in policies:
        state, left = state_of(p, today)
        name, code = names.get(p.enterprise_id, ("", ""))
        out.append(PolicyPublic(**p.model_dump(exclude={"created_by"}), enterprise_name=name, credit_code=code,
                                state=state, days_left=left))
    return out


def search(session: Session, *, actor: Actor, enterprise_id: int | None = None, limit: int = 50,
           offset: int = 0) -> tuple[list[InsurancePolicy], int]:
    require_role(actor, *READERS, action="see insurance policies")
    conditions: list[Any] = []
    if actor.role == Role.ENTERPRISE:  # an enterprise sees its own policies only
        conditions.append(InsurancePolicy.enterprise_id == (actor.enterprise_id or -1))
    if enterprise_id is not None:
        conditions.append(InsurancePolicy.enterprise_id == enterprise_id)
    total = session.exec(select(func.count()).select_from(InsurancePolicy).where(*conditions)).one()
    rows = session.exec(select(InsurancePolicy).where(*conditions)
                        .order_by(col(InsurancePolicy.period_end).desc(), col(InsurancePolicy.id).desc())
                        .limit(limit).offset(offset)).all()
    return list(rows), int(total)


def get(session: Session, policy_id: int, *, actor: Actor) -> InsurancePolicy:
    require_role(actor, *READERS, action="see insurance policies")
    policy = session.get(InsurancePolicy, policy_id)
    if policy is None or (actor.role == Role.ENTERPRISE and policy.enterprise_id != actor.enterprise_id):
        raise NotFound("保单不存在 / policy not found")
    return policy


# --- the insurers' CSV ------------------------------------------------------------------------------------------

HEADERS: dict[str, str] = {
    "统一社会信用代码": "credit_code", "信用代码": "credit_code", "credit_code": "credit_code",
    "投保单位": "name", "企业名称": "name", "name": "name",
    "保险公司": "insurer", "承保公司": "insurer", "insurer": "insurer",
    "保单号": "policy_number", "保险单号": "policy_number", "policy_number": "policy_number",
    "起保日期": "period_start", "保险起期": "period_start", "period_start": "period_start",
    "终保日期": "period_end", "保险止期": "period_end", "period_end": "period_end",
    "保险金额": "insured_amount", "保额": "insured_amount", "insured_amount": "insured_amount",
    "保障范围": "coverage", "承保范围": "coverage", "coverage": "coverage",
}


@dataclass
class PolicyImport:
    rows: int = 0
    imported: list[InsurancePolicy] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for header, value in row.items():
        name = HEADERS.get((header or "").strip(), HEADERS.get((header or "").strip().lower()))
        if name is None or value is None or str(value).strip() == "":
            continue
        text = str(value).strip()
        if name in ("period_start", "period_end"):
            text = text.replace("/", "-").replace(".", "-")[:10]
        if name == "insured_amount":
            text = text.replace(",", "").removesuffix("元")
            text = text.split(".")[0] if text.replace(".", "", 1).isdigit() else text
        data[name] = text
    return data


def import_file(session: Session, path: Path, *, actor: Actor, now: datetime) -> PolicyImport:
    """Every row checked and recorded; the caller commits only when ``ok`` (and not a dry run)."""
    require_role(actor, *WRITERS, action="import insurance policies")
    report = PolicyImport()
    for line, row in enumerate(read_rows(path), start=2):
        data = _fields(row)
        if not data:
            continue
        report.rows += 1
        try:
            code = valid_credit_code(str(data.pop("credit_code", ""))).code
            enterprise_id = session.exec(select(Enterprise.id).where(Enterprise.credit_code == code)).first()
            if enterprise_id is None:
                raise InvalidInput(f"统一社会信用代码 {code} 未登记 / unknown credit code", code="unknown_credit_code")
            data.pop("name", None)
            policy = PolicyIn.model_validate({**data, "enterprise_id": enterprise_id})
            report.imported.append(create(session, policy, actor=actor, now=now, via="csv"))
        except ValidationError as exc:
            report.problems.extend(RowProblem(line, str(err["loc"][0]) if err["loc"] else "", err["msg"])
                                   for err in exc.errors())
        except DomainError as exc:
            report.problems.append(RowProblem(line, exc.code, exc.message))
    return report
