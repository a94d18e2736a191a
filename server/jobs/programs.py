"""The jobs and policies of the programs: 燃气审管联动 outcomes back to their sources, 安责险 expiry reminders."""

from datetime import datetime

from sqlmodel import Session

from hazards.coverage import insurance_reminders
from hazards.linkage import events, outcomes
from hazards.linkage.signatures import Source
from inspection.models import JobRun
from server.settings import Settings, get_settings


def linkage_sources(settings: Settings) -> dict[str, Source]:
    return {code: Source(code=code, name=s.name or code, secret=s.secret, webhook_id=s.webhook_id)
            for code, s in settings.linkage_sources.items()}


def linkage_policy(settings: Settings) -> events.LinkagePolicy:
    return events.LinkagePolicy(due_working_days=settings.linkage_due_working_days)


def reminder_policy(settings: Settings) -> insurance_reminders.ReminderPolicy:
    return insurance_reminders.ReminderPolicy(days=tuple(settings.insurance_remind_days))


def linkage_outcomes(now: datetime | None = None, *, trigger: str = "schedule") -> JobRun:
    """审管联动: the outcome of each registration's inspection, once submitted, back to its source."""
    def body(session: Session, at: datetime) -> str:
        return f"sent={outcomes.report_outcomes(session, now=at, sources=linkage_sources(get_settings()))}"

    from server.jobs.functions import _recorded  # functions names these jobs in its table

    return _recorded("linkage_outcomes", body, now, trigger)


def insurance_reminders_job(now: datetime | None = None, *, trigger: str = "schedule") -> JobRun:
    """安责险: reminders before policies expire (to the enterprise, and the office for key enterprises)."""
    def body(session: Session, at: datetime) -> str:
        queued = insurance_reminders.remind_expiring(session, now=at, policy=reminder_policy(get_settings()))
        return f"queued={queued}"

    from server.jobs.functions import _recorded

    return _recorded("insurance_reminders", body, now, trigger)
