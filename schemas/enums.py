"""Wire vocabulary shared by the API and the domain packages."""

from enum import StrEnum


class Role(StrEnum):
    INSPECTOR = "inspector"
    OFFICE = "office"
    ENTERPRISE = "enterprise"
    ADMIN = "admin"


class RiskClass(StrEnum):
    """ABCD classification; D is the highest risk (REFERENCE §D.3)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"


class DustKind(StrEnum):
    ALUMINIUM_MAGNESIUM = "aluminium_magnesium"
    OTHER_METAL = "other_metal"
    WOOD = "wood"
    GRAIN = "grain"
    PLASTIC = "plastic"
    TEXTILE = "textile"
    OTHER = "other"


class GasSupply(StrEnum):
    PIPELINE = "pipeline"
    LPG = "lpg"
    BOTH = "both"


class GasRole(StrEnum):
    USER = "user"
    OPERATOR = "operator"


class ChecklistKind(StrEnum):
    DUST = "DUST"
    FCZ = "FCZ"
    GAS = "GAS"


class ItemResult(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"


class HazardLevel(StrEnum):
    GENERAL = "general"
    MAJOR = "major"


class HazardStatus(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"
    CLOSED = "closed"
    VOIDED = "voided"  # a corrected visit removed the failure: not rectified, not closed, out of every figure


class Party(StrEnum):
    """Who a hazard in a plant site is attributed to (厂中厂)."""

    SELF = "self"
    LANDLORD = "landlord"
    TENANT = "tenant"
    BOTH = "both"


class VisitStatus(StrEnum):
    PLANNED = "planned"
    STARTED = "started"
    SUBMITTED = "submitted"
    CANCELLED = "cancelled"


class VisitSource(StrEnum):
    ADHOC = "adhoc"
    ROUTINE = "routine"
    COMPLAINT = "complaint"
    REINSPECTION = "reinspection"
    JOINT = "joint"
    REFERRAL = "referral"  # 移送: checking a finding another department referred
