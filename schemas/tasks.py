"""Inspection tasks (综合查一次 planning), the merge report, and the scheduled jobs' status on the wire."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.common import Day, Id, StrictIn
from schemas.enums import ChecklistKind


class TaskSource(StrEnum):
    ROUTINE = "routine"  # 双随机 or a department's annual plan
    COMPLAINT = "complaint"  # 投诉举报: never announced in advance
    REINSPECTION = "reinspection"  # 复查, planned by the scheduler from a hazard
    ADHOC = "adhoc"
    CAMPAIGN = "campaign"  # 专项行动: planned from a campaign (hazards.campaigns), outside the routine budget
    REFERRAL = "referral"  # 移送: a finding another department (or a grid worker) referred to this department


class ReferralOrigin(StrEnum):
    """Where a referred finding (移送) was made."""

    VISIT = "visit"  # a department's visit found a matter another department enforces
    JOINT_VISIT = "joint_visit"  # the same, on a joint visit (综合查一次)
    GRID_CHECK = "grid_check"  # a grid worker's (网格员) check: advisory, never an order


class ReferralStatus(StrEnum):
    OPEN = "open"  # the receiving department has a task for it
    ACCEPTED = "accepted"  # the receiving department took it on (its task stays planned)
    DONE = "done"  # the task's visit was submitted
    DECLINED = "declined"  # the receiving department found it not its matter; ``status_reason`` says why


class TaskStatus(StrEnum):
    UNASSIGNED = "unassigned"  # no inspectors yet: the merge leaves it until someone is assigned
    PLANNED = "planned"  # waiting for the merge job
    SCHEDULED = "scheduled"  # has a visit of its own
    MERGED = "merged"  # shares its visit (or its plant-site trip) with other tasks
    DONE = "done"  # the visit was submitted
    CANCELLED = "cancelled"  # withdrawn or refused; ``status_reason`` says why


OPEN_TASK_STATUSES = (TaskStatus.UNASSIGNED, TaskStatus.PLANNED, TaskStatus.SCHEDULED, TaskStatus.MERGED)


class TaskAssignIn(StrictIn):
    inspector_ids: list[Id] = Field(min_length=2, max_length=10, description="two certified inspectors or more")


class TaskCreate(StrictIn):
    """A department plans to inspect one enterprise some day within a window.

    Inspectors plan for their own department; the office may name any department."""

    enterprise_id: Id
    department_id: Id | None = Field(default=None, description="default: the inspector's department")
    kinds: list[ChecklistKind] | None = Field(default=None, max_length=3,
                                              description="default: every kind that applies to the enterprise")
    window_start: Day
    window_end: Day
    source: TaskSource = TaskSource.ADHOC
    announced: bool | None = Field(default=None, description="检查预告: the enterprise is told ahead (never for "
                                   "complaints); default: the department's notice policy for the source")
    inspector_ids: list[Id] = Field(default_factory=list, max_length=10)
    note: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _window(self) -> "TaskCreate":
        if self.window_end < self.window_start:
            raise ValueError("结束日期不能早于开始日期 / window_end must not be before window_start")
        if (self.window_end - self.window_start).days > 366:
            raise ValueError("任务期限最长一年 / a task window is at most one year")
        if self.source == TaskSource.REINSPECTION:
            raise ValueError("复查任务由系统根据隐患自动安排 / "
                             "re-inspection tasks are planned by the scheduler from hazards")
        if self.source == TaskSource.CAMPAIGN:
            raise ValueError("专项行动任务由专项行动安排 / campaign tasks are planned from their campaign")
        return self


class TaskPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    department_id: int
    enterprise_id: int
    kinds: list[str]
    window_start: date
    window_end: date
    source: TaskSource
    announced: bool
    status: TaskStatus
    status_reason: str
    visit_id: int | None
    planned_date: date | None = None
    hazard_id: int | None
    draw_id: int | None
    inspector_ids: list[int]
    note: str
    created_by: int | None
    created_at: datetime


class MergeReport(BaseModel):
    """综合查一次: how many separate visits the merging avoided.

    ``trips`` counts gates entered: one enterprise on one day, or the landlord and tenants of one plant site
    on one day (each enterprise still has its own visit record). ``visits_saved`` is the one definition the
    dashboard uses too (``inspection.planning.saved``): a complete visit made by n departments saved n - 1."""

    date_from: date | None
    date_to: date | None
    tasks: int
    visits: int
    trips: int
    joint_trips: int = Field(description="trips shared by two or more departments")
    visits_saved: int = Field(description="联合检查减少入企次数: trips saved by joint visits made in the period")
    visits_saved_planned: int = Field(0, description="trips the joint visits still planned or under way will save")


class JobRunPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    job_id: str
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    ok: bool | None
    summary: str


class JobStatus(BaseModel):
    id: str
    description: str
    schedule: str
    next_run_at: datetime | None
    late: bool = Field(description="the next run is overdue: is a scheduler running?")
    last_run: JobRunPublic | None


class DrawSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    department_id: int
    month: str
    algorithm: str
    drawn_at: datetime
    picks: int = Field(description="how many enterprises were drawn")


class DrawPublic(BaseModel):
    """Everything needed to recompute a draw from outside: the seed, the pool as it was, who was exempt and
    why, the inspectors, the parameters, and the picks."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    department_id: int
    month: str
    seed: int
    algorithm: str
    params: dict[str, Any]
    pool: list[dict[str, Any]]
    exempt: list[dict[str, Any]]
    inspector_ids: list[int]
    picks: list[dict[str, Any]]
    drawn_at: datetime
    replay_matches: bool = Field(description="the picks recomputed now from the stored inputs are the stored ones")
