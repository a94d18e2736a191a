"""Receiving a registration event: the enterprise created or linked, a GAS inspection task for the department
responsible, due within a number of working days, once per (source, event id).

A second delivery of the same event (same source, same event id, same content) is answered with the first result
and changes nothing; the same event id with other content is refused (409), since the source would otherwise
believe its new content was taken.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from hazards.linkage import routing
from hazards.linkage.models import GasEvent
from hazards.loop import deadlines
from hazards.rules import holidays
from hazards.rules.holidays import CalendarMissing
from inspection import audit
from inspection.clock import local_date
from inspection.errors import Conflict, InvalidInput
from inspection.identity.access import Actor
from inspection.models import Department, Enterprise, InspectionTask
from inspection.planning import tasks as task_service
from inspection.registry.enterprises import valid_credit_code
from schemas.linkage import GasEventIn, GasEventResult
from schemas.tasks import TaskSource, TaskStatus

CLOCK_SKEW = timedelta(minutes=10)


@dataclass(frozen=True)
class LinkagePolicy:
    due_working_days: int = 10


def content_hash(event: GasEventIn) -> str:
    """The event's content, canonical: the same event re-serialised by the source hashes the same."""
    return hashlib.sha256(event.model_dump_json().encode()).hexdigest()


def find(session: Session, source: str, event_id: str) -> GasEvent | None:
    return session.exec(select(GasEvent).where(GasEvent.source == source, GasEvent.event_id == event_id)).first()


def result_of(row: GasEvent, *, replay: bool) -> GasEventResult:
    return GasEventResult.model_validate({**row.response, "replay": replay})


def receive(session: Session, event: GasEventIn, *, source: str, via: str, actor: Actor | None, now: datetime,
            policy: LinkagePolicy) -> GasEventResult:
    """The event's result: new (enterprise, task) the first time, the stored first answer on a replay."""
    digest = content_hash(event)
    existing = find(session, source, event.event_id)
    if existing is not None:
        if existing.body_sha256 != digest:
            raise Conflict("该事件编号已收到且内容不同 / this event id was received before with other content",
                           code="event_id_reused", details={"event_id": event.event_id, "first": existing.response})
        return result_of(existing, replay=True)
    if event.registered_at > now + CLOCK_SKEW:
        raise InvalidInput("登记时间晚于当前时间 / registered_at is in the future", code="registered_in_future",
                           details={"registered_at": event.registered_at.isoformat()})
    route = routing.route(event.kind)
    department = session.exec(select(Department).where(Department.code == route.department)).first()
    if department is None:
        raise InvalidInput(f"未配置负责部门「{route.department}」/ the responsible department is not set up",
                           code="department_missing", details={"department": route.department})
    enterprise, created = _enterprise(session, event, route, source=source, actor=actor, now=now)
    day, due, note = _window(session, event.registered_at, policy)
    row = GasEvent(source=source, event_id=event.event_id, body_sha256=digest, kind=event.kind, via=via,
                   credit_code=enterprise.credit_code, licence_no=event.licence_no, enterprise_id=enterprise.id or 0,
                   enterprise_created=created, department_id=department.id or 0,
                   registered_at=event.registered_at, received_at=now, due_date=due)
    session.add(row)
    session.flush()
    row.task_id = _task(session, row, route, start=max(day, local_date(now)), note=note, now=now)
    row.response = GasEventResult(
        id=row.id or 0, source=source, event_id=event.event_id, kind=event.kind, credit_code=row.credit_code,
        enterprise_id=row.enterprise_id, enterprise_created=created, department_id=row.department_id,
        task_id=row.task_id, registered_at=event.registered_at, due_date=due).model_dump(mode="json",
                                                                                         exclude={"replay"})
    session.add(row)
    session.flush()
    audit.record(session, entity="gas_event", entity_id=row.id or 0, action="gas_event.received", actor=actor,
                 at=now, after={"source": source, "event_id": event.event_id, "kind": event.kind, "via": via,
                                "enterprise_id": row.enterprise_id, "task_id": row.task_id,
                                "due_date": due.isoformat()})
    return result_of(row, replay=False)


def _enterprise(session: Session, event: GasEventIn, route: routing.Route, *, source: str, actor: Actor | None,
                now: datetime) -> tuple[Enterprise, bool]:
    code = valid_credit_code(event.credit_code).code
    reason = f"审管联动 {source}:{event.event_id}"
    enterprise = session.exec(select(Enterprise).where(Enterprise.credit_code == code)).first()
    if enterprise is None:
        if not route.creates_enterprise:
            raise InvalidInput(f"统一社会信用代码 {code} 未登记，不能办理用气变更"
                               " / unknown credit code: a change of gas use needs an enterprise already registered",
                               code="unknown_credit_code",
                               details={"credit_code": code})
        if len(event.name.strip()) < 2:
            raise InvalidInput("新企业须填写名称 / a new enterprise needs its name", code="name_required")
        enterprise = Enterprise(name=event.name.strip(), credit_code=code, address=event.address,
                                street=event.street, industry=event.industry or "catering", gas_user=True,
                                gas_supply=event.gas_supply, gas_role="user", contact_name=event.contact_name,
                                contact_phone=event.contact_phone, created_at=now, updated_at=now)
        session.add(enterprise)
        session.flush()
        audit.record(session, entity="enterprise", entity_id=enterprise.id or 0, action="created", actor=actor,
                     at=now, after=audit.snapshot(enterprise), reason=reason)
        return enterprise, True
    supply = _merged_supply(enterprise.gas_supply if enterprise.gas_user else None, event)
    if not enterprise.gas_user or enterprise.gas_supply != supply:
        before = audit.snapshot(enterprise)
        enterprise.gas_user, enterprise.gas_supply, enterprise.updated_at = True, supply, now
        session.add(enterprise)
        session.flush()
        audit.record(session, entity="enterprise", entity_id=enterprise.id or 0, action="updated", actor=actor,
                     at=now, before=before, after=audit.snapshot(enterprise), reason=reason)
    return enterprise, False


def _merged_supply(current: str | None, event: GasEventIn) -> str:
    """A change of use replaces the supply; a new LPG user adds LPG to a pipeline user (both)."""
    if event.kind == "gas_use_change" or current is None or current == event.gas_supply:
        return event.gas_supply
    return "both"


def _window(session: Session, registered_at: datetime, policy: LinkagePolicy) -> tuple[date, date, str]:
    """(registration day, due day, note): N working days on the official calendar; a year without one is counted
    Monday to Friday and said so on the task (the feed must not stop at New Year)."""
    day = local_date(registered_at)
    try:
        return day, deadlines.due_date(day, policy.due_working_days, working_days=True,
                                       calendar=holidays.of(session)), ""
    except CalendarMissing as missing:
        calendar = holidays.of(session)
        due, counted = day, 0
        while counted < policy.due_working_days:
            due += timedelta(days=1)
            counted += calendar.is_working_day_or_weekday(due)
        return day, due, (f"{missing.year}年节假日安排未载入，期限按周一至周五计 / "
                          f"no holiday schedule for {missing.year}")


def _task(session: Session, row: GasEvent, route: routing.Route, *, start: date, note: str,
          now: datetime) -> int | None:
    origin = f"gas-event:{row.id}"
    text = f"燃气审管联动：{route.label}（{row.source} {row.event_id}）" + (f"；{note}" if note else "")
    task_service.add(session, origin_key=origin, department_id=row.department_id, enterprise_id=row.enterprise_id,
                     kinds=list(route.checklists), window_start=start, window_end=max(row.due_date, start),
                     source=TaskSource.ADHOC, now=now, note=text, status=TaskStatus.UNASSIGNED)
    task_id = session.exec(select(InspectionTask.id).where(InspectionTask.origin_key == origin)).first()
    if task_id is not None:
        audit.record(session, entity="task", entity_id=task_id, action="task.created", actor=None, at=now,
                     after={"origin_key": origin, "department_id": row.department_id,
                            "enterprise_id": row.enterprise_id, "window_end": row.due_date.isoformat()})
    return task_id
