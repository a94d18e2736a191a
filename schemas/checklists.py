"""The checklist catalogue as the API shows it: kinds and versions, and every item with its jurisdiction."""

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from schemas.enums import ChecklistKind, HazardLevel


class LegalBasis(BaseModel):
    citation: str = Field(description="法律依据：法规或标准及其条款")
    verified: bool = Field(description="false: 条款未经核实，不作为法律依据呈现")
    note: str | None = None


class CatalogueItem(BaseModel):
    code: str
    text: str
    gloss: str
    level: HazardLevel = Field(description="default grading; see major_if")
    major_if: dict[str, Any] | None = Field(None, description="condition under which a general item is major")
    deadline_days: int = Field(description="default rectification days; 0 = 立即整改")
    photo_required: bool
    applies_if: dict[str, Any] | None = Field(description="applicability condition; null = every enterprise")
    party: str | None = Field(description="厂中厂 items: landlord, tenant or both")
    departments: list[str] = Field(description="执法主体: enforcing department codes (应急, 消防, 住建, 市监)")
    advisory: bool = Field(description="提示项: recorded and advised to the enterprise, never on an order")
    duty_basis: list[LegalBasis] = Field(description="the articles stating the duty breached (empty in version 1)")
    grading_basis: LegalBasis | None = Field(description="the article grading it major (majors only)")
    legal_basis: str = Field(description="the printed basis: duty, then grading for a major")
    revision: str | None = Field(None, description="what changed since the previous version, and why")


class CatalogueSection(BaseModel):
    code: str
    title: str
    items: list[CatalogueItem]


class RetiredItem(BaseModel):
    code: str
    reason: str
    replaced_by: str | None
    departments: list[str]


class ChecklistOut(BaseModel):
    kind: ChecklistKind
    version: int
    current: bool = Field(description="whether new visits get this version")
    title: str
    effective_date: date
    catalogue: bool = Field(description="items carry a structured duty and grading basis (version 2 on)")
    sections: list[CatalogueSection]
    retired: list[RetiredItem] = Field(description="codes this version retires; never used again")


class ChecklistVersionOut(BaseModel):
    version: int
    title: str
    effective_date: date
    items: int
    current: bool


class ChecklistKindOut(BaseModel):
    kind: ChecklistKind
    title: str
    current_version: int
    versions: list[ChecklistVersionOut]
