"""Coverage of the key enterprises on a day: the rate overall, by street and by kind (criterion), the uncovered.

An enterprise is covered on a day when one of its policies' periods includes that day (Asia/Shanghai).
"""

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from hazards.coverage import insurance_rule
from hazards.coverage.insurance_models import InsurancePolicy
from inspection.clock import local_date
from inspection.identity.access import Actor, require_role
from schemas.enums import Role
from schemas.insurance import CoverageReport, CoverageRow, UncoveredRow

READERS = (Role.OFFICE, Role.ADMIN, Role.INSPECTOR)


def _rate(covered: int, total: int) -> float | None:
    return round(covered / total, 4) if total else None


def _periods(session: Session, ids: list[int]) -> dict[int, list[tuple[date, date]]]:
    out: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for enterprise_id, start, end in session.exec(select(
            InsurancePolicy.enterprise_id, InsurancePolicy.period_start, InsurancePolicy.period_end)
            .where(col(InsurancePolicy.enterprise_id).in_(ids))).all():
        out[enterprise_id].append((start, end))
    return out


def covered_until(periods: list[tuple[date, date]], day: date) -> date | None:
    """The last day of unbroken cover from ``day`` (renewals chained), or None when not covered on ``day``."""
    until = None
    cursor = day
    for start, end in sorted(periods):
        if start <= cursor and end >= cursor:
            until, cursor = end, end + timedelta(days=1)
    return until


def report(session: Session, *, actor: Actor, now: datetime, soon_days: int = 30) -> CoverageReport:
    require_role(actor, *READERS, action="see insurance coverage")
    rule = insurance_rule.current(session)
    keys = insurance_rule.key_enterprises(session, rule.rule)
    periods = _periods(session, [k.id for k in keys])
    today = local_date(now)
    streets: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    covered = soon = 0
    for key in keys:
        until = covered_until(periods.get(key.id, []), today)
        hit = until is not None
        covered += hit
        soon += hit and until is not None and (until - today).days <= soon_days
        for bucket in [streets[key.street or ""], *(kinds[k] for k in key.kinds)]:
            bucket[0] += 1
            bucket[1] += hit
    labels = insurance_rule.describe(rule.rule)
    return CoverageReport(
        as_of=now, day=today, key_enterprises=len(keys), covered=covered, rate=_rate(covered, len(keys)),
        expiring_soon=soon, rule_version=rule.version,
        rule_verified=rule.rule.source.verified and all(c.verified for c in rule.rule.criteria),
        by_street=[CoverageRow(group=s, label=s or "（未填）", key_enterprises=t, covered=c, rate=_rate(c, t))
                   for s, (t, c) in sorted(streets.items())],
        by_kind=[CoverageRow(group=k, label=labels.get(k, k), key_enterprises=kinds[k][0], covered=kinds[k][1],
                             rate=_rate(kinds[k][1], kinds[k][0])) for k in labels if k in kinds])


def uncovered(session: Session, *, actor: Actor, now: datetime, street: str | None = None,
              kind: str | None = None) -> list[UncoveredRow]:
    require_role(actor, *READERS, action="see insurance coverage")
    rule = insurance_rule.current(session)
    keys = insurance_rule.key_enterprises(session, rule.rule)
    periods = _periods(session, [k.id for k in keys])
    labels = insurance_rule.describe(rule.rule)
    today = local_date(now)
    out = []
    for key in keys:
        if street is not None and key.street != street or kind is not None and kind not in key.kinds:
            continue
        mine = periods.get(key.id, [])
        if covered_until(mine, today) is None:
            ended = [end for _, end in mine if end < today]
            out.append(UncoveredRow(enterprise_id=key.id, name=key.name, credit_code=key.credit_code,
                                    street=key.street, kinds=[labels.get(k, k) for k in key.kinds],
                                    last_policy_end=max(ended) if ended else None))
    return out
