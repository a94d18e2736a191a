"""Demo data: one 专项行动 that ran last spring and was closed by the office (who, when, a note), its report kept.
Idempotent: a campaign of the same name is left as it is."""

from datetime import datetime, timedelta

from sqlmodel import Session, select

from hazards.campaigns import service as campaign_service
from hazards.campaigns.models import Campaign
from inspection.clock import local_date
from inspection.errors import InvalidInput
from inspection.identity.accounts import actor_for
from inspection.models import User
from schemas.campaigns import CampaignCreate, CompletionRule, TargetFilter
from schemas.enums import ChecklistKind

NAME = "燃气安全专项检查（已结束，演示）"


def load(session: Session, *, now: datetime) -> Campaign | None:
    existing = session.exec(select(Campaign).where(Campaign.name == NAME)).first()
    office = session.exec(select(User).where(User.username == "office")).first()
    if existing is not None or office is None:
        return existing
    today = local_date(now)
    actor = actor_for(office)
    try:
        campaign = campaign_service.create(session, CampaignCreate(
            name=NAME, description="对全区燃气用户开展专项检查（演示数据）。", start_date=today - timedelta(days=150),
            end_date=today - timedelta(days=60), kinds=[ChecklistKind.GAS], target_filter=TargetFilter(gas_user=True),
            rule=CompletionRule()), actor=actor, now=now)
    except InvalidInput:  # no gas user in this register: nothing to show
        return None
    return campaign_service.close(session, campaign.id or 0, "专项检查期满，转入日常监管（演示）", actor=actor, now=now)
