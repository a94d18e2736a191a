"""The inspection's outcome back to the source: once the task's visit is submitted, its result for the department
responsible goes out through the outbox, to the source's own signed webhook when one is configured.

The sweep derives its work from the data (events without an outcome whose visit is submitted), so a late or
repeated run sends each outcome once (``outcome_at`` and the outbox's unique key).
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from hazards.linkage.models import GasEvent
from hazards.linkage.signatures import Source
from hazards.models import Hazard
from hazards.notify import outbox
from hazards.notify.models import Outbox, Webhook
from inspection.models import Enterprise, InspectionTask, Visit
from schemas.enums import HazardLevel, VisitStatus

EVENT_TYPE = "linkage.outcome"


def outcome_of(session: Session, event: GasEvent, visit: Visit) -> dict[str, Any]:
    hazards = session.exec(select(Hazard).where(Hazard.visit_id == visit.id,
                                                Hazard.department_id == event.department_id,
                                                col(Hazard.voided).is_(False))).all()
    enterprise = session.get(Enterprise, event.enterprise_id)
    major = sum(1 for h in hazards if h.level == HazardLevel.MAJOR)
    return {
        "source": event.source, "event_id": event.event_id, "kind": event.kind,
        "credit_code": event.credit_code, "enterprise_name": enterprise.name if enterprise else "",
        "visit_id": visit.id, "inspected_at": visit.submitted_at.isoformat() if visit.submitted_at else None,
        "result": "hazards_found" if hazards else "no_hazard",
        "result_text": f"发现隐患{len(hazards)}项（重大{major}项），已责令整改" if hazards else "未发现隐患",
        "hazards": len(hazards), "major_hazards": major,
        "items": sorted({h.item_code for h in hazards}),
    }


def report_outcomes(session: Session, *, now: datetime, sources: Mapping[str, Source], limit: int = 200) -> int:
    """Send the outcome of every event whose inspection is done and not yet reported. Returns how many."""
    rows = session.exec(
        select(GasEvent, Visit).join(InspectionTask, col(InspectionTask.id) == GasEvent.task_id)
        .join(Visit, col(Visit.id) == InspectionTask.visit_id)
        .where(col(GasEvent.outcome_at).is_(None), Visit.status == VisitStatus.SUBMITTED)
        .order_by(col(GasEvent.id)).limit(limit)).all()
    for event, visit in rows:
        payload = outcome_of(session, event, visit)
        event.outcome, event.outcome_at = payload, now
        session.add(event)
        key = f"gas-event:{event.id}:outcome"
        outbox.add(session, event_type=EVENT_TYPE, dedup_key=key, recipient=f"linkage:{event.source}",
                   payload=payload, now=now)
        source = sources.get(event.source)
        hook = session.get(Webhook, source.webhook_id) if source and source.webhook_id else None
        subscribed = {h.id for h in outbox.subscribers(session, EVENT_TYPE)}  # these got it from outbox.add
        if hook is not None and hook.active and hook.id not in subscribed:
            session.add(Outbox(dedup_key=f"{key}|source-webhook:{hook.id}", event_type=EVENT_TYPE,
                               recipient=f"webhook:{hook.id}", channel="webhook", payload=payload, status="pending",
                               next_attempt_at=now, created_at=now))
    session.flush()
    return len(rows)
