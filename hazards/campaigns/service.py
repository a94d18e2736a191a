"""Campaigns: the office defines them (targets by a filter or a list), reads them, and plans their inspections.

The tasks are ordinary inspection tasks (source ``campaign``) made through ``inspection.planning.tasks.add`` and
linked to the campaign, so the merge job puts them into (joint) visits like any other task.
"""

from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from hazards.campaigns import target_file
from hazards.campaigns.models import Campaign, CampaignTarget, CampaignTask
from inspection import audit
from inspection.clock import local_date
from inspection.errors import Conflict, InvalidInput, NotFound
from inspection.field import checklists
from inspection.identity.access import Actor, require_role
from inspection.models import Department, Enterprise, InspectionTask, Recusal, User
from inspection.planning import inspect_once
from inspection.planning import tasks as task_service
from inspection.registry.creditcode import normalize
from schemas.campaigns import CampaignCreate, CampaignPlanIn, CampaignPlanOut, TargetFilter
from schemas.enums import Role
from schemas.tasks import TaskSource, TaskStatus

MANAGERS = (Role.OFFICE, Role.ADMIN)
OPEN, CLOSED = "open", "closed"
READERS = (Role.OFFICE, Role.ADMIN, Role.INSPECTOR)


# --- reading --------------------------------------------------------------------------------------------------

def get_visible(session: Session, campaign_id: int, actor: Actor) -> Campaign:
    require_role(actor, *READERS, action="see campaigns")
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("专项行动不存在 / campaign not found", code="campaign_not_found")
    return campaign


def search(session: Session, *, actor: Actor, active_on: date | None = None, limit: int = 50,
           offset: int = 0) -> tuple[list[Campaign], int]:
    require_role(actor, *READERS, action="see campaigns")
    conditions = []
    if active_on is not None:
        conditions += [col(Campaign.start_date) <= active_on, col(Campaign.end_date) >= active_on]
    total = session.exec(select(func.count()).select_from(Campaign).where(*conditions)).one()
    rows = session.exec(select(Campaign).where(*conditions).order_by(col(Campaign.start_date).desc(),
                                                                     col(Campaign.id).desc())
                        .limit(limit).offset(offset)).all()
    return list(rows), int(total)


def target_counts(session: Session, campaign_ids: list[int]) -> dict[int, int]:
    if not campaign_ids:
        return {}
    rows = session.exec(select(CampaignTarget.campaign_id, func.count()).where(
        col(CampaignTarget.campaign_id).in_(campaign_ids)).group_by(col(CampaignTarget.campaign_id))).all()
    return {campaign_id: int(n) for campaign_id, n in rows}


def target_ids(session: Session, campaign_id: int) -> list[int]:
    return list(session.exec(select(CampaignTarget.enterprise_id).where(CampaignTarget.campaign_id == campaign_id)
                             .order_by(col(CampaignTarget.enterprise_id))).all())


# --- defining -------------------------------------------------------------------------------------------------

def create(session: Session, data: CampaignCreate, *, actor: Actor, now: datetime) -> Campaign:
    """A campaign with its targets resolved now. No target at all: InvalidInput (``no_targets``)."""
    require_role(actor, *MANAGERS, action="define campaigns")
    known = set(checklists.kinds())
    if unknown := [k.value for k in data.kinds if k.value not in known]:
        raise InvalidInput("专项行动只能使用执法检查表 / a campaign checks enforcement checklists only",
                           code="unknown_kind", details={"kinds": unknown, "known": sorted(known)})
    if data.target_filter is not None and data.target_filter.is_empty:
        raise InvalidInput("筛选条件不能为空，请至少给出一项 / the target filter needs at least one condition",
                           code="empty_filter")
    from_filter = matching(session, data.target_filter) if data.target_filter is not None else []
    from_list = by_credit_codes(session, data.credit_codes)
    if not from_filter and not from_list:
        raise InvalidInput("专项行动没有检查对象：筛选条件未匹配任何企业，也未上传企业名单 / the campaign has "
                           "no target enterprise", code="no_targets")
    campaign = Campaign(
        name=data.name, description=data.description, start_date=data.start_date, end_date=data.end_date,
        kinds=[k.value for k in data.kinds],
        target_filter=data.target_filter.model_dump(mode="json") if data.target_filter is not None else None,
        rule=data.rule.model_dump(mode="json"), created_by=actor.user_id, created_at=now)
    session.add(campaign)
    session.flush()
    _add_targets(session, campaign, [(e, "filter") for e in from_filter] + [(e, "list") for e in from_list], now=now)
    audit.record(session, entity="campaign", entity_id=campaign.id or 0, action="campaign.create", actor=actor, at=now,
                 after={"name": campaign.name, "period": [str(campaign.start_date), str(campaign.end_date)],
                        "kinds": campaign.kinds, "rule": campaign.rule, "targets": len(target_ids(session,
                                                                                                  campaign.id or 0))})
    return campaign


def add_targets(session: Session, campaign_id: int, credit_codes: list[str], *, actor: Actor,
                now: datetime) -> int:
    """More targets from an uploaded list; returns how many were new."""
    require_role(actor, *MANAGERS, action="change campaigns")
    campaign = _open(get_visible(session, campaign_id, actor))
    ids = by_credit_codes(session, credit_codes)
    added = _add_targets(session, campaign, [(e, "list") for e in ids], now=now)
    audit.record(session, entity="campaign", entity_id=campaign.id or 0, action="campaign.add_targets", actor=actor,
                 at=now, after={"added": added, "listed": len(ids)})
    return added


def add_targets_from_file(session: Session, campaign_id: int, data: bytes, filename: str | None, *, actor: Actor,
                          now: datetime) -> tuple[int, int]:
    """Targets from an uploaded CSV or XLSX list, all or nothing: (rows listed, enterprises new to the campaign).
    Bad rows: InvalidInput (``bad_target_rows``) naming each row and what is wrong with it."""
    require_role(actor, *MANAGERS, action="change campaigns")
    campaign = _open(get_visible(session, campaign_id, actor))
    ids = target_file.resolve(session, target_file.read_codes(data, filename))
    added = _add_targets(session, campaign, [(e, "list") for e in ids], now=now)
    audit.record(session, entity="campaign", entity_id=campaign.id or 0, action="campaign.upload_targets",
                 actor=actor, at=now, after={"added": added, "listed": len(ids), "file": (filename or "")[:128]})
    return len(ids), added


def close(session: Session, campaign_id: int, note: str, *, actor: Actor, now: datetime) -> Campaign:
    """The office closes a campaign: it plans no more tasks and takes no more targets; progress and report stay."""
    require_role(actor, *MANAGERS, action="close campaigns")
    campaign = _open(get_visible(session, campaign_id, actor))
    campaign.status, campaign.closed_by, campaign.closed_at, campaign.close_note = CLOSED, actor.user_id, now, note
    session.add(campaign)
    session.flush()
    audit.record(session, entity="campaign", entity_id=campaign.id or 0, action="campaign.close", actor=actor,
                 at=now, before={"status": OPEN}, after={"status": CLOSED, "note": note})
    return campaign


def _open(campaign: Campaign) -> Campaign:
    if campaign.status == CLOSED:
        raise Conflict("专项行动已结束，不能再更改或安排检查 / the campaign is closed", code="campaign_closed",
                       details={"closed_at": str(campaign.closed_at)})
    return campaign


def _add_targets(session: Session, campaign: Campaign, targets: list[tuple[int, str]], *, now: datetime) -> int:
    present = set(target_ids(session, campaign.id or 0))
    added = 0
    for enterprise_id, origin in targets:
        if enterprise_id in present:
            continue
        present.add(enterprise_id)
        session.add(CampaignTarget(campaign_id=campaign.id, enterprise_id=enterprise_id, origin=origin, added_at=now))
        added += 1
    session.flush()
    return added


def matching(session: Session, target: TargetFilter) -> list[int]:
    """The enterprises a filter matches now, by id."""
    query = select(Enterprise.id)
    if target.streets:
        query = query.where(col(Enterprise.street).in_(target.streets))
    if target.industries:
        query = query.where(col(Enterprise.industry).in_(target.industries))
    if target.risk_classes:
        query = query.where(col(Enterprise.risk_class).in_([r.value for r in target.risk_classes]))
    if target.dust_involved is not None:
        query = query.where(Enterprise.dust_involved == target.dust_involved)
    if target.gas_user is not None:
        query = query.where(Enterprise.gas_user == target.gas_user)
    ids = [i for i in session.exec(query.order_by(col(Enterprise.id))).all() if i is not None]
    if target.plant_roles:
        roles = {r.value for r in target.plant_roles}
        members = inspect_once.memberships(session)
        ids = [i for i in ids if members.get(i, (None, 0))[0] in roles]
    return ids


def by_credit_codes(session: Session, codes: list[str]) -> list[int]:
    """The enterprises of a list of credit codes; any code not registered: InvalidInput naming them."""
    if not codes:
        return []
    wanted = list(dict.fromkeys(normalize(code) for code in codes))
    found = dict(session.exec(select(Enterprise.credit_code, Enterprise.id).where(
        col(Enterprise.credit_code).in_(wanted))).all())
    if missing := [code for code in wanted if code not in found]:
        raise InvalidInput(f"名单中有{len(missing)}个统一社会信用代码未登记 / credit codes not registered",
                           code="unknown_credit_codes", details={"credit_codes": missing[:100]})
    return [found[code] for code in wanted]


# --- planning -------------------------------------------------------------------------------------------------

def plan(session: Session, campaign_id: int, data: CampaignPlanIn, *, actor: Actor, now: datetime) -> CampaignPlanOut:
    """One task per target and department whose kinds apply to it, once however often this runs."""
    require_role(actor, *MANAGERS, action="plan campaigns")
    campaign = _open(get_visible(session, campaign_id, actor))
    today = local_date(now)
    start = max(campaign.start_date, today, data.window_start or today)
    end = min(campaign.end_date, data.window_end or campaign.end_date)
    if end < start:
        raise InvalidInput("专项行动期限已过或时间窗口不在期限内 / the window lies outside the campaign's "
                           "remaining period",
                           code="campaign_window", details={"start": str(start), "end": str(end)})
    departments = _departments(session, campaign, data.department_ids)
    enterprises = {e.id: e for e in session.exec(select(Enterprise).where(
        col(Enterprise.id).in_(target_ids(session, campaign_id)))).all()}
    roles = inspect_once.memberships(session)
    created = existing = unassigned = 0
    skipped: list[dict[str, object]] = []
    task_ids: list[int] = []
    for enterprise_id, enterprise in sorted(enterprises.items()):
        applicable = set(task_service.applicable_kinds(enterprise, roles.get(enterprise_id or 0, (None, 0))[0]))
        planned_any = False
        for department, enforced in departments:
            kinds = [k for k in campaign.kinds if k in enforced and k in applicable]
            if not kinds:
                continue
            planned_any = True
            key = f"campaign:{campaign.id}:{enterprise_id}:{department.id}"
            people = _two_inspectors(session, department.id or 0, enterprise_id or 0, start) if data.assign else []
            new = task_service.add(
                session, origin_key=key, department_id=department.id or 0, enterprise_id=enterprise_id or 0,
                kinds=kinds, window_start=start, window_end=end, source=TaskSource.CAMPAIGN, now=now,
                inspector_ids=people, announced=True if data.announced is None else data.announced,
                note=f"专项行动：{campaign.name}"[:2000],
                status=TaskStatus.PLANNED if len(people) >= 2 else TaskStatus.UNASSIGNED)
            task_id = session.exec(select(InspectionTask.id).where(InspectionTask.origin_key == key)).one()
            if new:
                session.add(CampaignTask(campaign_id=campaign.id, task_id=task_id))
                created += 1
                unassigned += len(people) < 2
            else:
                existing += 1
            task_ids.append(task_id or 0)
        if not planned_any:
            skipped.append({"enterprise_id": enterprise_id, "name": enterprise.name,
                            "reason": "专项行动检查表均不适用于该企业 / no campaign checklist applies"})
    session.flush()
    audit.record(session, entity="campaign", entity_id=campaign.id or 0, action="campaign.plan", actor=actor, at=now,
                 after={"created": created, "existing": existing, "unassigned": unassigned,
                        "window": [str(start), str(end)], "skipped": len(skipped)})
    return CampaignPlanOut(campaign_id=campaign.id or 0, created=created, existing=existing, unassigned=unassigned,
                           skipped=skipped, task_ids=task_ids)


def _departments(session: Session, campaign: Campaign, wanted: list[int]) -> list[tuple[Department, set[str]]]:
    """(department, the campaign kinds it enforces) of the departments asked, or of every enforcing one."""
    rows = list(session.exec(select(Department).order_by(col(Department.priority), col(Department.id))).all())
    if wanted:
        if missing := sorted(set(wanted) - {d.id for d in rows}):
            raise InvalidInput("部门不存在 / unknown department", code="unknown_department",
                               details={"department_ids": missing})
        rows = [d for d in rows if d.id in set(wanted)]
    out = []
    for department in rows:
        enforced = set(checklists.enforced_kinds(department.code)) & set(campaign.kinds)
        if enforced:
            out.append((department, enforced))
        elif wanted:
            raise InvalidInput(f"{department.name}不执法本专项行动的检查项 / the department enforces none of the "
                               f"campaign's checklists", code="department_not_enforcing",
                               details={"department_id": department.id})
    if not out:
        raise InvalidInput("没有部门执法本专项行动的检查项 / no department enforces the campaign's checklists",
                           code="department_not_enforcing")
    return out


def _two_inspectors(session: Session, department_id: int, enterprise_id: int, day: date) -> list[int]:
    """Two certified inspectors of the department, not recused from the enterprise, taking turns by enterprise;
    fewer than two eligible: none (the task waits for the office)."""
    recused = set(session.exec(select(Recusal.user_id).where(Recusal.enterprise_id == enterprise_id)).all())
    people = [u.id for u in session.exec(select(User).where(
        User.role == Role.INSPECTOR, User.department_id == department_id, col(User.is_active).is_(True),
        col(User.cert_no).is_not(None)).order_by(col(User.id))).all()
        if u.id not in recused and u.cert_no and (u.cert_valid_to is None or u.cert_valid_to >= day)]
    if len(people) < 2:
        return []
    first = enterprise_id % len(people)
    return [people[first] or 0, people[(first + 1) % len(people)] or 0]


def tasks_of(session: Session, campaign_id: int) -> list[InspectionTask]:
    return list(session.exec(select(InspectionTask).join(CampaignTask, col(CampaignTask.task_id) == InspectionTask.id)
                             .where(CampaignTask.campaign_id == campaign_id).order_by(col(InspectionTask.id))).all())

