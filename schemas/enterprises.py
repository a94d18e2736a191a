"""Enterprise registry and plant sites (厂中厂)."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.common import Day, Id, StrictIn, unchanged_if_omitted
from schemas.enums import DustKind, GasRole, GasSupply, RiskClass


class EnterpriseFields(StrictIn):
    name: str = Field(min_length=2, max_length=128)
    address: str = Field(default="", max_length=255)
    street: str = Field(default="", max_length=64)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    industry: str = Field(default="other", max_length=32)
    risk_class: RiskClass = RiskClass.B
    green_listed: bool = False
    green_valid_from: Day | None = None
    green_valid_to: Day | None = None
    dust_involved: bool = False
    dust_kind: DustKind | None = None
    gas_user: bool = False
    gas_supply: GasSupply | None = None
    gas_role: GasRole = GasRole.USER
    contact_name: str = Field(default="", max_length=64)
    contact_phone: str = Field(default="", max_length=32)
    fatal_accident_3y: bool = False
    serious_dishonest: bool = False


class EnterpriseCreate(EnterpriseFields):
    """Office and admin register enterprises."""

    credit_code: str = Field(description="统一社会信用代码 (GB 32100-2015), checked on the way in")

    @model_validator(mode="after")
    def _consistent(self) -> "EnterpriseCreate":
        check_profile(self)
        return self


class EnterpriseUpdate(StrictIn):
    """Office and admin: any field may change; omitted fields stay as they are. ``null`` clears the fields that
    may be empty (position, green-list dates, dust kind, gas supply) and is refused (422) for the others."""

    name: str = unchanged_if_omitted(min_length=2, max_length=128)
    credit_code: str = unchanged_if_omitted()
    address: str = unchanged_if_omitted(max_length=255)
    street: str = unchanged_if_omitted(max_length=64)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    industry: str = unchanged_if_omitted(max_length=32)
    risk_class: RiskClass = unchanged_if_omitted()
    green_listed: bool = unchanged_if_omitted()
    green_valid_from: Day | None = None
    green_valid_to: Day | None = None
    dust_involved: bool = unchanged_if_omitted()
    dust_kind: DustKind | None = None
    gas_user: bool = unchanged_if_omitted()
    gas_supply: GasSupply | None = None
    gas_role: GasRole = unchanged_if_omitted()
    contact_name: str = unchanged_if_omitted(max_length=64)
    contact_phone: str = unchanged_if_omitted(max_length=32)
    fatal_accident_3y: bool = unchanged_if_omitted()
    serious_dishonest: bool = unchanged_if_omitted()


class EnterpriseContactUpdate(StrictIn):
    """What an enterprise user may change about itself: only its contact details (omitted: unchanged; an empty
    string clears one; ``null`` is refused)."""

    contact_name: str = unchanged_if_omitted(max_length=64)
    contact_phone: str = unchanged_if_omitted(max_length=32)


class EnterprisePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    credit_code: str
    address: str
    street: str
    latitude: float | None
    longitude: float | None
    industry: str
    risk_class: RiskClass
    green_listed: bool
    green_valid_from: date | None
    green_valid_to: date | None
    dust_involved: bool
    dust_kind: str | None
    gas_user: bool
    gas_supply: str | None
    gas_role: str
    contact_name: str
    contact_phone: str
    fatal_accident_3y: bool
    serious_dishonest: bool
    created_at: datetime
    updated_at: datetime
    credit_code_warnings: list[str] = []


class EnterpriseRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    credit_code: str
    street: str


class PlantSiteCreate(StrictIn):
    name: str = Field(min_length=2, max_length=128)
    address: str = Field(default="", max_length=255)
    street: str = Field(default="", max_length=64)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    landlord_id: Id
    tenant_ids: list[Id] = Field(default_factory=list, max_length=500)


class TenantAdd(StrictIn):
    """A tenancy from ``start_date`` (default today) to ``end_date`` (null: open-ended); see schemas.tenancies."""

    enterprise_id: Id
    unit: str = Field(default="", max_length=64)
    area_m2: float | None = Field(default=None, gt=0, le=10_000_000)
    start_date: Day | None = None
    end_date: Day | None = None


class PlantSitePublic(BaseModel):
    id: int
    name: str
    address: str
    street: str
    latitude: float | None
    longitude: float | None
    landlord: EnterpriseRef
    tenants: list[EnterpriseRef]


class EnterpriseSites(BaseModel):
    """Both directions of the 厂中厂 relation for one enterprise."""

    as_landlord: list[PlantSitePublic]
    as_tenant: list[PlantSitePublic]


def check_profile(data: EnterpriseFields | EnterpriseCreate) -> None:
    if data.dust_kind is not None and not data.dust_involved:
        raise ValueError("填写粉尘种类须先标记为涉粉尘企业 / dust_kind requires dust_involved=true")
    if data.gas_supply is not None and not data.gas_user:
        raise ValueError("填写供气方式须先标记为燃气用户 / gas_supply requires gas_user=true")
    if data.green_valid_from and data.green_valid_to and data.green_valid_to < data.green_valid_from:
        raise ValueError("绿名单截止日期早于起始日期 / green_valid_to is before green_valid_from")
