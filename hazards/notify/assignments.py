"""Telling inspectors they were named on a task: one ``task.assigned`` event per inspector and assignment.

Called by the route after ``inspection.planning.tasks.assign`` (inspection cannot reach the outbox, which lives
above it), in the same transaction."""

from datetime import datetime

from sqlmodel import Session

from hazards.notify import outbox
from inspection.models import Enterprise, InspectionTask


def notify_assigned(session: Session, task: InspectionTask, *, now: datetime) -> int:
    enterprise = session.get(Enterprise, task.enterprise_id)
    payload = {"task_id": task.id, "enterprise_id": task.enterprise_id,
               "enterprise_name": enterprise.name if enterprise is not None else "",
               "window": f"{task.window_start} 至 {task.window_end}"}
    return sum(outbox.add(session, event_type="task.assigned", recipient=f"user:{user_id}", payload=payload, now=now,
                          dedup_key=f"task.assigned:{task.id}:{user_id}:{now.isoformat()}")
               for user_id in task.inspector_ids)
