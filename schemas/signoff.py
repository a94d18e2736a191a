"""Signatures on instruments, refusals, consent to electronic service and 送达回执 (REFERENCE §G.7, §G.8)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from schemas.common import Id, Moment, StrictIn


class InstrumentKind(StrEnum):
    VISIT = "visit"  # 现场检查记录 (of the whole visit: its departments' own records printed together)
    VISIT_PART = "visit_part"  # one department's part's own 现场检查记录 (id: the part's, ``departments[].part_id``)
    ORDER = "order"  # 责令限期整改指令书 / 整改复查意见书
    ONSITE_DECISION = "onsite_decision"  # 现场处理措施决定书
    EXEMPTION = "exemption"  # 不予行政处罚决定书


class SignatureParty(StrEnum):
    ENTERPRISE = "enterprise"
    INSPECTOR = "inspector"


class ServiceMethod(StrEnum):
    DIRECT = "direct"  # 直接送达
    LEFT = "left"  # 留置送达
    ELECTRONIC = "electronic"  # 电子送达
    MAIL = "mail"  # 邮寄送达


class ConsentChannel(StrEnum):
    PORTAL = "portal"
    EMAIL = "email"
    SMS = "sms"


class InstrumentSignatureIn(StrictIn):
    party: SignatureParty
    photo_id: Id = Field(description="a signature capture: POST /photos with purpose=signature, by you")
    signer_name: str = Field(default="", max_length=64, description="the enterprise's signer (an inspector: ignored)")
    reason: str = Field(default="", max_length=255, description="required when signing again")


class RefusalIn(StrictIn):
    refusal_reason: str = Field(min_length=1, max_length=255)
    witness: str = Field(min_length=1, max_length=64)
    signer_name: str = Field(default="", max_length=64, description="who refused")
    reason: str = Field(default="", max_length=255, description="required when it replaces a signature")


class SignaturePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    document_kind: str
    document_id: int
    party: str
    signer_user_id: int | None
    signer_name: str
    photo_id: int | None
    refused: bool
    refusal_reason: str
    witness: str
    reason: str
    captured_by: int
    captured_at: datetime
    superseded_at: datetime | None


class DigestPart(BaseModel):
    """One of the records printed together in a visit's 现场检查记录 (each department's own)."""

    kind: InstrumentKind
    id: int
    number: str
    sha256: str
    printed: str = Field(description="the prefix printed on this record's pages (校验码)")
    matches: bool | None = None


class DigestPublic(BaseModel):
    kind: InstrumentKind
    id: int
    number: str
    sha256: str = Field(description="SHA-256 of the instrument's canonical content")
    printed: str = Field(description="the prefix printed on every page (校验码)")
    matches: bool | None = Field(default=None, description="whether the code asked about is this one (or, for a "
                                 "visit printing its departments' records, one of theirs)")
    parts: list[DigestPart] = Field(default_factory=list, description="the departments' records printed together "
                                    "in a visit's 现场检查记录, each with the code on its own pages")


class ConsentIn(StrictIn):
    signer_name: str = Field(min_length=1, max_length=64)
    channel: ConsentChannel
    address: str = Field(min_length=1, max_length=128, description="portal account, e-mail or mobile number")
    agreed_at: Moment
    document_photo_id: Id | None = Field(default=None, description="the signed 确认书, scanned")


class RevokeIn(StrictIn):
    reason: str = Field(min_length=1, max_length=255)


class ConsentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise_id: int
    signer_name: str
    channel: str
    address: str
    agreed_at: datetime
    document_photo_id: int | None
    recorded_by: int
    revoked_at: datetime | None


class ServiceIn(StrictIn):
    method: ServiceMethod
    served_at: Moment
    recipient_name: str = Field(default="", max_length=64)
    place: str = Field(default="", max_length=255)
    signature_photo_id: Id | None = Field(default=None, description="直接送达: the recipient's signature capture")
    left_reason: str = Field(default="", max_length=255, description="留置送达: why it was left")
    witnesses: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list, max_length=5)
    address: str = Field(default="", max_length=128, description="邮寄送达: the tracking number")


class ReceiptPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    document_kind: str
    document_id: int
    document_number: str
    document_title: str
    enterprise_id: int
    method: str
    recipient_name: str
    served_at: datetime
    place: str
    signature_photo_id: int | None
    left_reason: str
    witnesses: list[str]
    consent_id: int | None
    address: str
    recorded_by: int
    pdf_url: str = ""


class ServiceState(BaseModel):
    """Whether an instrument was served, and how (its first 送达回执)."""

    served: bool
    served_at: datetime | None = None
    method: str | None = None
    receipt_id: int | None = None
