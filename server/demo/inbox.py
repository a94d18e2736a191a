"""Demo inboxes: the 应急 department's second inspector heads it (the escalation ladder's +3 days step), the
deadline sweep has run once as of now (overdue hazards walked up the ladder), and what people were told more than
two weeks ago has been read, so the demo's unread counts look like a working office's."""

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from hazards.notify import ladder, sweep
from hazards.notify.models import InboxItem
from inspection.models import User

HEAD = "yingji2"


def settle(session: Session, *, now: datetime) -> None:
    head = session.exec(select(User).where(User.username == HEAD)).first()
    if head is not None:
        head.department_head = True
        session.add(head)
    sweep.sweep_deadlines(session, now=now, policy=ladder.load().policy(remind_days=(3, 1)))
    session.execute(update(InboxItem).where(col(InboxItem.read_at).is_(None),
                                            col(InboxItem.created_at) < now - timedelta(days=14))
                    .values(read_at=col(InboxItem.created_at)))
    session.flush()
