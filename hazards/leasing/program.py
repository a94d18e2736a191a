"""The 先验后批 program as data (``data/program.json``): the refusal rules with their source, the opinion's
wording and its local-practice notice; the approving body the district designates; the pre-lease item list."""

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from inspection.field import checklists
from inspection.field.checklists import EnterpriseProfile
from inspection.models import Enterprise
from schemas.enums import DustKind

DATA = Path(__file__).parent / "data" / "program.json"
FLAGS = ("combustible_dust", "gas", "hazardous_chemicals", "dormitories", "building_frame")


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    citation: str = Field(min_length=1)
    verified: bool
    note: str | None = None


class RefusalRule(BaseModel):
    """An application meeting every condition of ``when`` is refused: its reason, with the source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^LEASE-R[0-9]{2}$")
    when: dict[str, bool | int]
    reason: str = Field(min_length=1)
    item: str | None = None
    source: Source

    def met_by(self, application: Any) -> bool:
        for key, wanted in self.when.items():
            if key == "building_storeys_at_least":
                if application.building_storeys < int(wanted):
                    return False
            elif key not in FLAGS:
                raise ValueError(f"{self.code}: unknown condition {key}")
            elif bool(getattr(application, key)) != wanted:
                return False
        return True


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    notice: str
    verified: bool


class Program(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    program: str
    legal_status: Literal["local_practice"]
    verified: bool
    source: str
    document: Document
    pre_lease_items: str
    refusal_rules: tuple[RefusalRule, ...]


@functools.cache
def program() -> Program:
    loaded = Program.model_validate_json(DATA.read_text(encoding="utf-8"))
    for rule in loaded.refusal_rules:  # every condition names a field the application has
        unknown = set(rule.when) - {*FLAGS, "building_storeys_at_least"}
        if unknown:
            raise ValueError(f"{rule.code}: unknown condition(s) {sorted(unknown)}")
    return loaded


def rules_met(application: Any) -> list[RefusalRule]:
    return [rule for rule in program().refusal_rules if rule.met_by(application)]


def hit(rule: RefusalRule) -> dict[str, Any]:
    return {"code": rule.code, "reason": rule.reason, "item": rule.item, "citation": rule.source.citation,
            "verified": rule.source.verified}


# --- the approving body ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ApprovingBody:
    """Who decides lease applications, as the district designates (a setting): the park's management, the street
    office, or a department. Not the safety office: it is not an enforcing body (REFERENCE §G.2).

    A department decides through its inspectors; a park or street through the accounts of its own record in the
    enterprise registry (found by ``credit_code``)."""

    kind: Literal["park", "street", "department"]
    name: str
    department_code: str | None = None
    credit_code: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("park", "street", "department"):
            raise ValueError("approving body: kind is park, street or department (the office is not one)")
        if self.kind == "department" and not self.department_code:
            raise ValueError("approving body: a department needs its code (e.g. 应急)")
        if self.kind != "department" and not self.credit_code:
            raise ValueError("approving body: a park or street needs the credit code of its registry record")


DEFAULT_BODY = ApprovingBody(kind="department", name="区应急管理局", department_code="应急")


# --- the pre-lease inspection's items -------------------------------------------------------------------

def pre_lease_items(*, dust: bool, tenant: Enterprise) -> dict[str, list[str]]:
    """{kind: item codes} asked at a pre-lease inspection: the FCZ items marked ``pre_lease``, and where the use
    involves combustible dust the DUST items that apply to a dust-involved enterprise of the tenant's kind."""
    kinds = {"FCZ": [item.code for item in checklists.latest("FCZ").items if item.pre_lease]}
    if dust:
        profile = EnterpriseProfile(dust_involved=True, dust_kind=tenant.dust_kind or DustKind.OTHER.value,
                                    gas_user=False, gas_supply=None, gas_role="user",
                                    industry=tenant.industry or "other", plant_role=None, lessor_industry=None)
        kinds["DUST"] = [item.code for item in checklists.applicable("DUST", checklists.latest("DUST").version,
                                                                     profile)]
    return kinds
