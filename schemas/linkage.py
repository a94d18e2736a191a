"""燃气"审管联动": the registration events the approving side sends, what each became, and the office's board."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from schemas.common import Moment, StrictIn

GasEventKind = Literal["new_licence", "gas_use_change", "lpg_user"]
GAS_EVENT_KINDS: tuple[str, ...] = ("new_licence", "gas_use_change", "lpg_user")


class GasEventIn(StrictIn):
    """One registration by the approving side (市场监管 / 行政审批). Plain fields only (the body is signed as sent)."""

    event_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$",
                          description="the source's own id of the event: a second delivery is answered once")
    kind: GasEventKind = Field(description="new_licence: 新办营业执照（含用气）; gas_use_change: 用气变更; "
                                           "lpg_user: 新增瓶装液化气用户")
    registered_at: Moment = Field(description="when the approving side registered it (lead time counts from here)")
    credit_code: str = Field(min_length=1, max_length=40, description="统一社会信用代码, checked")
    name: str = Field(default="", max_length=128, description="required when the enterprise is new")
    address: str = Field(default="", max_length=255)
    street: str = Field(default="", max_length=64)
    industry: str = Field(default="catering", max_length=32)
    gas_supply: Literal["pipeline", "lpg", "both"] = "pipeline"
    licence_no: str = Field(default="", max_length=64)
    contact_name: str = Field(default="", max_length=64)
    contact_phone: str = Field(default="", max_length=32)


class GasEventResult(BaseModel):
    """What the event became. ``replay`` is true when this answers a second delivery of the same event id."""

    id: int
    source: str
    event_id: str
    kind: str
    credit_code: str
    enterprise_id: int
    enterprise_created: bool
    department_id: int
    task_id: int | None
    registered_at: datetime
    due_date: date
    replay: bool = False


class GasEventRow(BaseModel):
    id: int
    source: str
    event_id: str
    kind: str
    via: str
    enterprise_id: int
    enterprise_name: str
    street: str
    department_id: int
    task_id: int | None
    task_status: str | None
    registered_at: datetime
    due_date: date
    inspected_at: datetime | None
    lead_days: float | None = Field(description="registration to first inspection, in days")
    state: Literal["inspected", "backlog", "overdue", "cancelled"]
    days_overdue: int = 0
    outcome: dict | None = None


class LinkageBoard(BaseModel):
    """Lead time from registration to first inspection, the backlog and the overdue ones."""

    as_of: datetime
    events: int
    inspected: int
    backlog: int
    overdue: int
    lead_days_mean: float | None
    lead_days_median: float | None
    lead_days_max: float | None
    inspected_on_time: int
    overdue_items: list[GasEventRow]
    recent: list[GasEventRow]
