"""Demo data: one 专项行动 running now (粉尘涉爆 enterprises, from three months ago to next month) with its tasks
planned, so the office dashboard shows a campaign whose progress comes from the history's visits and hazards.
Idempotent: a campaign of the same name is left as it is."""

from datetime import datetime, timedelta

from sqlmodel import Session, select

from hazards.campaigns import service as campaign_service
from hazards.campaigns.models import Campaign
from inspection.clock import local_date
from inspection.identity.accounts import actor_for
from inspection.models import User
from schemas.campaigns import CampaignCreate, CampaignPlanIn, CompletionRule, TargetFilter
from schemas.enums import ChecklistKind

NAME = "粉尘涉爆企业专项整治行动（演示）"


def load(session: Session, *, now: datetime) -> Campaign | None:
    existing = session.exec(select(Campaign).where(Campaign.name == NAME)).first()
    office = session.exec(select(User).where(User.username == "office")).first()
    if existing is not None or office is None:
        return existing
    today = local_date(now)
    actor = actor_for(office)
    campaign = campaign_service.create(session, CampaignCreate(
        name=NAME, description="对全区粉尘涉爆企业开展专项检查，隐患全部整改闭环，重大隐患经复查销号（演示数据）。",
        start_date=today - timedelta(days=90), end_date=today + timedelta(days=30), kinds=[ChecklistKind.DUST],
        target_filter=TargetFilter(dust_involved=True), rule=CompletionRule()), actor=actor, now=now)
    # planned beyond the merge horizon of the history's own merge: the scheduler makes their visits later
    campaign_service.plan(session, campaign.id or 0, CampaignPlanIn(window_start=today + timedelta(days=15)),
                          actor=actor, now=now)
    return campaign
