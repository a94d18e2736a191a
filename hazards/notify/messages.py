"""What an outbox event says to a person: a Chinese title and body, built from the event's payload.

The payload is what the event's writer put there (a hazard id, a deadline, a reason); what it lacks (the item's
code, the enterprise's name) is read once from the hazard. Unknown event types still read as a sentence."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from hazards.models import Extension, Hazard
from inspection.clock import local_date
from inspection.models import Enterprise

LEVELS = {"major": "重大隐患", "general": "一般隐患"}
STEPS = {"escalate": "升级至安委办", "escalate-head": "升级至部门负责人", "escalate-leader": "升级至区分管领导"}


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    hazard_id: int | None
    link: str


def _day(value: Any) -> str:
    if not value:
        return ""
    try:
        instant = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    day: date = local_date(instant) if instant.tzinfo else instant.date()
    return f"{day.year}年{day.month}月{day.day}日"


def _hazard_words(session: Session, hazard: Hazard | None) -> str:
    if hazard is None:
        return "隐患"
    enterprise = session.get(Enterprise, hazard.enterprise_id)
    name = enterprise.name if enterprise is not None else ""
    text = hazard.description[:40] if hazard.description else hazard.item_code
    return f"{name}「{text}」（{LEVELS.get(hazard.level, '隐患')}，{hazard.item_code}）"


def render(session: Session, event_type: str, payload: dict[str, Any]) -> Message:
    """The message of one event; ``hazard_id`` is the hazard it concerns, if any."""
    hazard_id = payload.get("hazard_id")
    if hazard_id is None and payload.get("extension_id"):
        extension = session.get(Extension, payload["extension_id"])
        hazard_id = extension.hazard_id if extension is not None else None
    if hazard_id is None and payload.get("hazards"):
        hazard_id = payload["hazards"][0]
    hazard = session.get(Hazard, hazard_id) if isinstance(hazard_id, int) else None
    what = _hazard_words(session, hazard)
    due = _day(payload.get("due_at") or (hazard.due_at.isoformat() if hazard is not None else ""))
    kind = str(payload.get("kind", ""))
    title, body = {
        "hazard.reminder": (f"整改期限提醒：还有 {kind.removeprefix('remind')} 天到期",
                            f"{what}的整改期限为 {due}，请按期整改并上传整改照片。"),
        "hazard.overdue": ("隐患已逾期未整改", f"{what}的整改期限 {due} 已过，仍未整改完毕，请尽快整改。"),
        "hazard.escalated": (f"逾期隐患{STEPS.get(kind, '升级')}",
                             f"{what}整改期限 {due} 已过仍未整改，按逾期升级规则告知您督办。"),
        "order.issued": (f"收到责令限期整改指令书 {payload.get('number', '')}",
                         f"共 {len(payload.get('hazards', []))} 项隐患，请在期限内整改并上传整改照片。"),
        "evidence.submitted": ("整改材料待审核", f"{what}已上传整改材料，请审核。"),
        "evidence.rejected": ("整改未通过审核",
                              f"{what}的整改未通过审核：{payload.get('reason', '')}；新的期限 {due}。"),
        "hazard.closed": ("隐患已销号", f"{what}已审核通过并销号。"),
        "extension.requested": ("延期申请待审批", f"{what}的企业申请延期整改，请审批。"),
        "extension.decided": (
            "延期申请已批准" if payload.get("status") == "approved" else "延期申请未获批准",
            f"{what}的延期申请已处理，现行整改期限 {due}。"),
        "visit.notice": ("检查预告",
                         f"执法人员计划于 {_day(payload.get('planned_date'))} 到企业开展检查，请做好准备。"),
        "task.assigned": ("新的检查任务", f"您被指派检查任务（{payload.get('enterprise_name', '')}），"
                                     f"检查时段 {payload.get('window', '')}。"),
        "plan.uploaded": ("治理方案待审查", f"{what}的企业已上传重大事故隐患治理方案。"),
        "plan.reviewed": ("治理方案审查结果", f"{what}的治理方案已审查：{payload.get('note', '')}"),
        "onsite_decision.issued": (f"收到现场处理措施决定书 {payload.get('number', '')}", "请按决定书要求执行。"),
        "hazard.supervised": ("重大事故隐患挂牌督办",
                              f"{what}已挂牌督办，督办期限 {_day(payload.get('supervision_due'))}。"),
    }.get(event_type, ("新的通知", f"{what}有新的进展。"))
    link = f"hazard:{hazard.id}" if hazard is not None else (
        f"visit:{payload['visit_id']}" if payload.get("visit_id") else (
            f"task:{payload['task_id']}" if payload.get("task_id") else ""))
    return Message(title=title[:200], body=body[:1000], hazard_id=hazard.id if hazard is not None else None,
                   link=link)
