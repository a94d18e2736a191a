"""Reminders before a policy expires, through the outbox: to the enterprise, and to the office for key enterprises.

For each policy ending within the longest reminder (e.g. 30 days) and not followed by another policy of the same
enterprise (a renewal recorded), the tightest reminder reached is queued once (dedup key per policy and day count),
so a sweep that runs late sends one reminder, not all the missed ones.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from hazards.coverage import insurance_rule
from hazards.coverage.insurance_models import InsurancePolicy
from hazards.coverage.insurance_rates import covered_until
from hazards.notify import outbox
from inspection.clock import local_date
from inspection.models import Enterprise

EVENT_TYPE = "insurance.expiring"


@dataclass(frozen=True)
class ReminderPolicy:
    days: tuple[int, ...] = (30, 7)


def remind_expiring(session: Session, *, now: datetime, policy: ReminderPolicy) -> int:
    days = sorted({d for d in policy.days if d >= 0})
    if not days:
        return 0
    today = local_date(now)
    ending = session.exec(select(InsurancePolicy).where(
        col(InsurancePolicy.period_end) >= today, col(InsurancePolicy.period_end) <= today + timedelta(days=days[-1]),
        col(InsurancePolicy.period_start) <= today)).all()
    if not ending:
        return 0
    ids = sorted({p.enterprise_id for p in ending})
    periods: dict[int, list] = {}
    for p in session.exec(select(InsurancePolicy).where(col(InsurancePolicy.enterprise_id).in_(ids))).all():
        periods.setdefault(p.enterprise_id, []).append((p.period_start, p.period_end))
    enterprises = {e.id: e for e in session.exec(select(Enterprise).where(col(Enterprise.id).in_(ids))).all()}
    key_ids = {k.id for k in insurance_rule.key_enterprises(session, insurance_rule.current(session).rule)}
    queued = 0
    for p in ending:
        until = covered_until(periods[p.enterprise_id], today)
        if until is None or until > p.period_end:
            continue  # renewed: the cover goes on past this policy
        left = (p.period_end - today).days
        reached = min(d for d in days if d >= left)
        enterprise = enterprises.get(p.enterprise_id)
        payload = {"policy_id": p.id, "policy_number": p.policy_number, "insurer": p.insurer,
                   "enterprise_id": p.enterprise_id, "enterprise_name": enterprise.name if enterprise else "",
                   "period_end": p.period_end.isoformat(), "days_left": left,
                   "key_enterprise": p.enterprise_id in key_ids,
                   "message": f"安全生产责任保险（保单号 {p.policy_number}）将于{p.period_end.isoformat()}到期，"
                              f"还有{left}天，请及时续保。"}
        queued += outbox.add(session, event_type=EVENT_TYPE, dedup_key=f"insurance:{p.id}:remind{reached}",
                             recipient=f"enterprise:{p.enterprise_id}", payload=payload, now=now)
        if p.enterprise_id in key_ids:
            outbox.add(session, event_type=EVENT_TYPE, dedup_key=f"insurance:{p.id}:remind{reached}:office",
                       recipient="office", payload=payload, now=now, webhooks=False)  # subscribers have it
    return queued
