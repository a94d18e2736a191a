"""What each printed document says, as frozen dataclasses: ``hazards.documents.data`` fills them from the
database, ``hazards.documents.render`` prints them. No database, settings or HTTP here."""

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

ORDER_TITLE = "责令限期整改指令书"
VISIT_TITLE = "现场检查记录"
REINSPECTION_TITLE = "整改复查意见书"
MEASURES_TITLE = "现场处理措施决定书"
EXEMPTION_TITLE = "不予行政处罚决定书"


@dataclass(frozen=True)
class EnterpriseInfo:
    name: str
    credit_code: str = ""
    address: str = ""



@dataclass(frozen=True)
class Inspector:
    name: str
    cert_no: str = ""
    department: str = ""



@dataclass(frozen=True)
class OrderItem:
    code: str
    description: str
    legal_basis: str
    due_date: date  # local (Asia/Shanghai) date of the deadline
    major: bool = False
    standard: str = ""  # the checklist item's wording, when the description is the inspector's own note
    photo_codes: tuple[str, ...] = ()  # verification codes of the photos taken
    party: str = ""  # 厂中厂: "landlord" / "tenant"
    plan_due: bool = False  # major hazard: the date is when the 治理方案 is due, not the completion date
    immediate: bool = False  # 0 days: 立即整改



@dataclass(frozen=True)
class LinkedOrder:
    """The other party's order for the same 厂中厂 hazards."""

    number: str
    enterprise_name: str
    role: str  # "landlord" / "tenant": the other party's role



@dataclass(frozen=True)
class OrderDocument:
    authority: str
    number: str
    enterprise: EnterpriseInfo
    items: tuple[OrderItem, ...]
    inspectors: tuple[Inspector, ...]
    issued_on: date
    portal_url: str
    linked: LinkedOrder | None = None
    review_body: str = ""  # 复议机关; empty: generic wording
    court: str = ""
    voided: tuple[str, ...] = ()  # notes on hazards voided by a corrected visit (off the list of items)
    # the issuing department's own instrument (hazards.rules.department_orders): title, operative clause
    # (empty: the 应急 wording), how the appeal notice names it, and the footer of an unverified one
    title: str = ORDER_TITLE
    clause: str = ""
    short_name: str = "指令"
    unverified_note: str = ""



@dataclass(frozen=True)
class PhotoRef:
    verify_code: str
    path: Path | None  # the display variant; None or a missing file prints "照片文件缺失"
    captured_at: datetime | None = None
    after: bool = False  # taken after an on-the-spot fix



@dataclass(frozen=True)
class ResultRow:
    code: str
    text: str
    outcome: str  # pass / fail / not_applicable
    note: str = ""
    fixed_on_spot: bool = False
    photos: tuple[PhotoRef, ...] = ()



# a field added after records were printed: left out of the content hash while empty, so the 校验码 printed on
# an older record still checks (``hazards.documents.digest``)
ADDED = {"omit_empty": True}


@dataclass(frozen=True)
class AdviceRow:
    """A failed 提示项: advice to the enterprise, with the basis the item cites; no hazard, no order."""

    code: str
    text: str
    basis: str = ""
    note: str = ""


@dataclass(frozen=True)
class DepartmentSection:
    name: str
    rows: tuple[ResultRow, ...]
    order_numbers: tuple[str, ...] = ()
    order_title: str = ORDER_TITLE  # the department's own instrument
    advice: tuple[AdviceRow, ...] = field(default=(), metadata=ADDED)



@dataclass(frozen=True)
class Representative:
    """The enterprise's 法定代表人 or 主要负责人 present at the inspection (REFERENCE §G.7)."""

    name: str = ""
    title: str = ""  # 法定代表人 / 主要负责人 / …
    phone: str = ""


@dataclass(frozen=True)
class VisitDocument:
    authority: str  # the lead department
    visit_id: int
    enterprise: EnterpriseInfo
    visited_at: datetime | None  # aware; printed in local time
    inspectors: tuple[Inspector, ...]
    sections: tuple[DepartmentSection, ...]
    source: str = "adhoc"
    version: int = 1  # the submission's version: a correction says so
    signature: Path | None = None  # the enterprise's signature attached the old way (not content: not hashed)
    submitted: bool = True
    number: str = ""  # the record's document number; empty on visits made before records were numbered
    representative: Representative = Representative()
    place: str = ""  # the place inspected
    ended_at: datetime | None = None
    credentials_shown: bool | None = None  # None: not recorded (an older visit)
    recusal_explained: bool | None = None
    # under the footer of a department's record whose form is not yet verified (``hazards.rules.instruments``)
    note: str = field(default="", metadata=ADDED)


@dataclass(frozen=True)
class SignedBy:
    """The signatures an instrument carries on every page (not content: signing does not change the hash)."""

    enterprise: Path | None = None  # the enterprise's signature capture
    refusal: str = ""  # the recorded refusal, printed instead of a signature
    inspectors: tuple[tuple[str, Path | None], ...] = ()  # (name, signature capture) of inspectors who signed


UNSIGNED = SignedBy()



@dataclass(frozen=True)
class ReinspectionItem:
    code: str
    description: str
    due_date: date
    state: str  # a key of REINSPECTION_STATES
    next_step: str = ""  # a key of NEXT_STEPS; empty: the default for the state
    note: str = ""
    photo_codes: tuple[str, ...] = ()



@dataclass(frozen=True)
class ReinspectionDocument:
    authority: str
    number: str
    enterprise: EnterpriseInfo
    basis_number: str
    reinspected_on: date
    items: tuple[ReinspectionItem, ...]
    inspectors: tuple[Inspector, ...]
    basis_title: str = ORDER_TITLE
    resumption: str = ""  # the 恢复生产 decision, where production had stopped; empty: none was needed


@dataclass(frozen=True)
class MeasuresDocument:
    """现场处理措施决定书 (REFERENCE §G.4): its own number, basis and appeal notice."""

    authority: str
    number: str
    enterprise: EnterpriseInfo
    items: tuple[OrderItem, ...]
    measures: tuple[str, ...]  # printed wording of each measure
    basis: str
    resume_clause: str
    appeal: str
    inspectors: tuple[Inspector, ...]
    issued_on: date
    note: str = ""
    title: str = MEASURES_TITLE


@dataclass(frozen=True)
class ExemptionDocument:
    """不予行政处罚决定书 of a confirmed 首违免罚 (REFERENCE §G.9)."""

    authority: str
    number: str
    enterprise: EnterpriseInfo
    offence: str  # the listed offence (清单事项)
    facts: str  # the hazard as found, and its rectification
    list_name: str
    list_source: str
    reasons: tuple[str, ...]
    basis: str
    appeal: str
    inspectors: tuple[Inspector, ...]
    decided_on: date
    supersedes: str = ""  # the earlier decision this one replaces, with the reason
    title: str = EXEMPTION_TITLE



RECEIPT_TITLE = "送达回执"


@dataclass(frozen=True)
class ReceiptDocument:
    """送达回执 of one served instrument (REFERENCE §G.8)."""

    authority: str
    enterprise: EnterpriseInfo
    document_title: str
    document_number: str
    method: str  # 直接送达 / 留置送达 / 电子送达 / 邮寄送达
    basis: str  # the method's legal basis, unverified articles marked
    recipient: str
    served_at: datetime
    server: str  # who served it (recorded the service)
    place: str = ""
    address: str = ""  # electronic: the address agreed; mail: the tracking number
    consent: str = ""  # electronic: the 电子送达确认书 relied on
    left_reason: str = ""
    witnesses: tuple[str, ...] = ()
    title: str = RECEIPT_TITLE
