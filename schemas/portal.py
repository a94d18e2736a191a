"""The enterprise portal's order link and visit ratings on the wire."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from schemas.common import StrictIn
from schemas.hazards import EvidencePublic, ExtensionPublic, HazardPublic, OrderPublic


class PortalHazard(HazardPublic):
    evidence: list[EvidencePublic] = []
    extensions: list[ExtensionPublic] = []


class PortalOrder(OrderPublic):
    """One order as its printed link opens it: its hazards with deadlines, days left, evidence and review
    outcome, and extension requests; nothing else of the enterprise."""

    hazards: list[PortalHazard]  # type: ignore[assignment]
    link_expires_at: datetime | None


class RatingIn(StrictIn):
    score: int = Field(ge=1, le=5, description="1 (poor) to 5 (excellent)")
    comment: str = Field(default="", max_length=500)


class RatingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    visit_id: int
    enterprise_id: int
    enterprise_name: str
    score: int
    comment: str
    rated_by: int
    created_at: datetime
    visited_at: datetime | None
    inspector_names: list[str]
    department_codes: list[str]
