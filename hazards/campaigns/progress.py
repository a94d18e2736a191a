"""A campaign's progress: per target enterprise (visited, hazards found and closed, 整治完成 under the campaign's
rule) and per street, read from the visits and hazards themselves (nothing is stored, so it is never stale).

What counts, within the campaign period (Asia/Shanghai days):

* a visit: submitted in the period, to a target, with a department that asked one of the campaign's kinds;
* a hazard: of the campaign's kinds, found at a target in the period, not voided;
* a major re-inspected: a major hazard closed and named on a 整改复查意见书 (the loop closes majors no other way).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from hazards.campaigns import service
from hazards.campaigns.models import Campaign, CampaignTask
from hazards.loop import orders
from hazards.models import Hazard, OrderHazard, RectificationOrder
from inspection.clock import end_of_local_day, start_of_local_day
from inspection.identity.access import Actor
from inspection.models import Enterprise, InspectionTask, Visit, VisitDepartment
from schemas.campaigns import (
    CampaignProgress,
    CampaignPublic,
    CompletionRule,
    EnterpriseProgress,
    ProgressFigures,
    StreetProgress,
)
from schemas.enums import HazardLevel, HazardStatus, VisitStatus

NO_STREET = "（未填街道）"


@dataclass
class Counts:
    tasks: int = 0
    visits: int = 0
    last_visit_at: datetime | None = None
    found: int = 0
    closed: int = 0
    majors: int = 0
    majors_reinspected: int = 0
    hazard_ids: list[int] = field(default_factory=list)


def missing_for(rule: CompletionRule, counts: Counts) -> list[str]:
    """What the rule still wants of one enterprise (empty: 整治完成). Pure."""
    missing = []
    if rule.visited and counts.visits == 0:
        missing.append("尚未检查")
    if rule.min_visits > 1 and counts.visits < rule.min_visits:
        missing.append(f"检查次数不足（{counts.visits}/{rule.min_visits}）")
    if rule.hazards_closed and counts.closed < counts.found:
        missing.append(f"隐患未闭环{counts.found - counts.closed}项")
    if rule.majors_reinspected and counts.majors_reinspected < counts.majors:
        missing.append(f"重大隐患未经复查销号{counts.majors - counts.majors_reinspected}项")
    return missing


def public(campaign: Campaign, targets: int) -> CampaignPublic:
    return CampaignPublic.model_validate({**campaign.model_dump(), "rule": CompletionRule(**campaign.rule),
                                          "targets": targets})


def progress(session: Session, campaign_id: int, *, actor: Actor, now: datetime) -> CampaignProgress:
    campaign = service.get_visible(session, campaign_id, actor)
    rule = CompletionRule(**campaign.rule)
    ids = service.target_ids(session, campaign_id)
    enterprises = {e.id: e for e in session.exec(select(Enterprise).where(col(Enterprise.id).in_(ids))).all()}
    counts = _counts(session, campaign, ids)
    rows = []
    for enterprise_id in ids:
        enterprise, c = enterprises[enterprise_id], counts[enterprise_id]
        missing = missing_for(rule, c)
        rows.append(EnterpriseProgress(
            enterprise_id=enterprise_id, name=enterprise.name, credit_code=enterprise.credit_code,
            street=enterprise.street or NO_STREET, tasks=c.tasks, visits=c.visits, visited=c.visits > 0,
            last_visit_at=c.last_visit_at, hazards_found=c.found, hazards_closed=c.closed, majors_found=c.majors,
            majors_reinspected=c.majors_reinspected, done=not missing, missing=missing))
    by_street: dict[str, list[EnterpriseProgress]] = defaultdict(list)
    for row in rows:
        by_street[row.street].append(row)
    streets = [StreetProgress(street=name, **vars(figures(members)))
               for name, members in sorted(by_street.items())]
    rows.sort(key=lambda r: (r.done, r.street, r.enterprise_id))
    return CampaignProgress(campaign=public(campaign, len(ids)), as_of=now, total=figures(rows), streets=streets,
                            enterprises=rows)


def figures(rows: list[EnterpriseProgress]) -> ProgressFigures:
    out = ProgressFigures(targets=len(rows), visited=sum(r.visited for r in rows),
                          hazards_found=sum(r.hazards_found for r in rows),
                          hazards_closed=sum(r.hazards_closed for r in rows),
                          majors_found=sum(r.majors_found for r in rows),
                          majors_reinspected=sum(r.majors_reinspected for r in rows), done=sum(r.done for r in rows))
    out.visited_rate = _rate(out.visited, out.targets)
    out.done_rate = _rate(out.done, out.targets)
    out.closure_rate = _rate(out.hazards_closed, out.hazards_found)
    return out


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _counts(session: Session, campaign: Campaign, ids: list[int]) -> dict[int, Counts]:
    counts = {i: Counts() for i in ids}
    if not ids:
        return counts
    lo, hi = start_of_local_day(campaign.start_date), end_of_local_day(campaign.end_date)
    kinds = set(campaign.kinds)
    for enterprise_id, n in session.exec(
            select(InspectionTask.enterprise_id, InspectionTask.id)
            .join(CampaignTask, col(CampaignTask.task_id) == InspectionTask.id)
            .where(CampaignTask.campaign_id == campaign.id)).all():
        counts[enterprise_id].tasks += 1 if n else 0
    # a visit counts once a department's part asking one of the campaign's kinds is submitted in the period (a
    # joint visit's other departments may still be at their parts)
    parts = session.exec(select(VisitDepartment.visit_id, Visit.enterprise_id, VisitDepartment.submitted_at,
                                VisitDepartment.kinds)
                         .join(Visit, col(Visit.id) == VisitDepartment.visit_id).where(
        col(Visit.enterprise_id).in_(ids), Visit.status != VisitStatus.CANCELLED,
        col(VisitDepartment.submitted_at) >= lo, col(VisitDepartment.submitted_at) <= hi)).all()
    latest: dict[tuple[int, int], datetime] = {}
    for visit_id, enterprise_id, submitted_at, part_kinds in parts:
        if set(part_kinds or []) & kinds and submitted_at is not None:
            key = (enterprise_id, visit_id)
            latest[key] = max(submitted_at, latest.get(key, submitted_at))
    for (enterprise_id, _), submitted_at in latest.items():
        c = counts[enterprise_id]
        c.visits += 1
        if c.last_visit_at is None or submitted_at > c.last_visit_at:
            c.last_visit_at = submitted_at
    hazards = session.exec(select(Hazard.id, Hazard.enterprise_id, Hazard.level, Hazard.status).where(
        col(Hazard.enterprise_id).in_(ids), col(Hazard.kind).in_(kinds), col(Hazard.found_at) >= lo,
        col(Hazard.found_at) <= hi, Hazard.status != HazardStatus.VOIDED, col(Hazard.voided).is_(False))).all()
    majors_closed = [h[0] for h in hazards if h[2] == HazardLevel.MAJOR and h[3] == HazardStatus.CLOSED]
    reinspected = set(session.exec(select(OrderHazard.hazard_id).join(
        RectificationOrder, col(RectificationOrder.id) == OrderHazard.order_id).where(
        col(OrderHazard.hazard_id).in_(majors_closed), RectificationOrder.doc_code == orders.REINSPECTION)).all()) \
        if majors_closed else set()
    for hazard_id, enterprise_id, level, status in hazards:
        c = counts[enterprise_id]
        c.found += 1
        c.closed += status == HazardStatus.CLOSED
        if level == HazardLevel.MAJOR:
            c.majors += 1
            c.majors_reinspected += hazard_id in reinspected
    return counts
