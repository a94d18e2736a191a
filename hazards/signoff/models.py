"""Table models of the sign-off: signatures on instruments, consent to electronic service, 送达回执."""

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import JSON, Field, SQLModel

from inspection.models import created_column, utc_column


class DocumentSignature(SQLModel, table=True):
    """One signature on one instrument: the enterprise's (on the pad or in the portal) or an inspector's, as a
    photo of kind ``signature`` uploaded by the one who captured it; or the enterprise's refusal with a witness.
    Re-signing keeps the earlier row (``superseded_at``) and needs a reason."""

    __tablename__ = "document_signature"
    __table_args__ = (Index("ix_document_signature_document", "document_kind", "document_id"),)

    id: int | None = Field(default=None, primary_key=True)
    document_kind: str = Field(max_length=16)  # visit / visit_part / order / onsite_decision / exemption
    document_id: int
    party: str = Field(max_length=16)  # enterprise / inspector
    signer_user_id: int | None = Field(default=None, foreign_key="app_user.id")  # an inspector signing for himself
    signer_name: str = Field(default="", max_length=64)
    photo_id: int | None = Field(default=None, foreign_key="photo.id")
    refused: bool = False
    refusal_reason: str = Field(default="", max_length=255)
    witness: str = Field(default="", max_length=64)
    reason: str = Field(default="", max_length=255)  # why it was signed again
    captured_by: int = Field(foreign_key="app_user.id")
    captured_at: datetime = utc_column(nullable=False)
    superseded_at: datetime | None = utc_column()


class ServiceConsent(SQLModel, table=True):
    """电子送达确认书 (送达地址确认书): the enterprise agreed in writing to be served electronically at an address."""

    __tablename__ = "service_consent"

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    signer_name: str = Field(max_length=64)
    channel: str = Field(max_length=16)  # portal / email / sms
    address: str = Field(max_length=128)  # the portal account, e-mail address or mobile number agreed
    agreed_at: datetime = utc_column(nullable=False)
    document_photo_id: int | None = Field(default=None, foreign_key="photo.id")  # the signed form, scanned
    recorded_by: int = Field(foreign_key="app_user.id")
    revoked_at: datetime | None = utc_column()
    created_at: datetime = created_column()


class ServiceReceipt(SQLModel, table=True):
    """送达回执 of one instrument: how, to whom and when it was served; a signature, or for 留置送达 the reason
    and the witnesses; for 电子送达 the consent it relies on."""

    __tablename__ = "service_receipt"
    __table_args__ = (Index("ix_service_receipt_document", "document_kind", "document_id"),)

    id: int | None = Field(default=None, primary_key=True)
    document_kind: str = Field(max_length=16)
    document_id: int
    document_number: str = Field(max_length=64)
    document_title: str = Field(max_length=32)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    method: str = Field(max_length=16)  # direct / left / electronic / mail
    recipient_name: str = Field(default="", max_length=64)
    served_at: datetime = utc_column(nullable=False)
    place: str = Field(default="", max_length=255)
    signature_photo_id: int | None = Field(default=None, foreign_key="photo.id")
    left_reason: str = Field(default="", max_length=255)
    witnesses: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    consent_id: int | None = Field(default=None, foreign_key="service_consent.id")
    address: str = Field(default="", max_length=128)  # electronic: the address served; mail: the tracking number
    recorded_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = created_column()
