"""QR plaques: scanning one (扫码入企) and the scan log."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from schemas.enterprises import EnterprisePublic, PlantSitePublic
from schemas.visits import VisitPublic


class ScanPublic(BaseModel):
    """One scan of a QR plaque: who came, from which department, when and where."""

    id: int
    scanned_at: datetime
    user_id: int
    inspector_name: str
    role: str
    department_id: int | None
    department_code: str | None
    department_name: str | None
    enterprise_id: int | None
    plant_site_id: int | None
    plant_site_name: str | None
    latitude: float | None
    longitude: float | None


class ScanResult(BaseModel):
    """What the phone shows after a scan: the place, and the scanning inspector's open visit there (or null,
    so it can offer to start an ad hoc one)."""

    kind: Literal["enterprise", "site"]
    scan: ScanPublic
    enterprise: EnterprisePublic | None
    site: PlantSitePublic | None
    open_visit: VisitPublic | None
