"""专项行动 campaigns: the office defines them and plans their inspections; staff read progress and the report."""

import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from hazards.campaigns import progress as campaign_progress
from hazards.campaigns import report as campaign_report
from hazards.campaigns import service as campaign_service
from inspection.clock import local_date
from inspection.identity.access import require_role
from inspection.types import utcnow
from schemas.campaigns import (
    CampaignCloseIn,
    CampaignCreate,
    CampaignPlanIn,
    CampaignPlanOut,
    CampaignProgress,
    CampaignPublic,
    CampaignTargetsIn,
    CampaignTargetsUploaded,
)
from schemas.common import Id, Offset, Page
from schemas.tasks import TaskPublic
from server.auth import CurrentActor
from server.db import SessionDep, WriteSessionDep
from server.routes.tasks import tasks_out
from server.uploads import spool_upload

router = APIRouter(prefix="/campaigns", tags=["campaigns"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_LIST_BYTES = 2 * 1024 * 1024
LIST_UPLOAD_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "CSV (UTF-8 or GBK) or XLSX, a column headed 统一社会信用代码"}}}}}}}


@router.post("", response_model=CampaignPublic, status_code=201)
def create_campaign(body: CampaignCreate, session: WriteSessionDep, actor: CurrentActor) -> CampaignPublic:
    """The office defines a campaign. Targets: `target_filter` (resolved now), `credit_codes` (an uploaded list),
    or both; none at all is refused (422 `no_targets`)."""
    campaign = campaign_service.create(session, body, actor=actor, now=utcnow())
    out = campaign_progress.public(campaign, len(campaign_service.target_ids(session, campaign.id or 0)))
    session.commit()
    return out


@router.get("", response_model=Page[CampaignPublic])
def list_campaigns(session: SessionDep, actor: CurrentActor,
                   active: Annotated[bool, Query(description="only campaigns running today")] = False,
                   limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Offset = 0) -> Page[CampaignPublic]:
    rows, total = campaign_service.search(session, actor=actor, active_on=local_date(utcnow()) if active else None,
                                          limit=limit, offset=offset)
    counts = campaign_service.target_counts(session, [c.id or 0 for c in rows])
    return Page(items=[campaign_progress.public(c, counts.get(c.id or 0, 0)) for c in rows], total=total,
                limit=limit, offset=offset)


@router.get("/{campaign_id}", response_model=CampaignPublic)
def get_campaign(campaign_id: Id, session: SessionDep, actor: CurrentActor) -> CampaignPublic:
    campaign = campaign_service.get_visible(session, campaign_id, actor)
    count = campaign_service.target_counts(session, [campaign_id]).get(campaign_id, 0)
    return campaign_progress.public(campaign, count)


@router.post("/{campaign_id}/targets", response_model=CampaignPublic)
def add_targets(campaign_id: Id, body: CampaignTargetsIn, session: WriteSessionDep,
                actor: CurrentActor) -> CampaignPublic:
    """More targets from an uploaded list of credit codes (unregistered codes: 422 naming them)."""
    campaign_service.add_targets(session, campaign_id, body.credit_codes, actor=actor, now=utcnow())
    campaign = campaign_service.get_visible(session, campaign_id, actor)
    out = campaign_progress.public(campaign, len(campaign_service.target_ids(session, campaign_id)))
    session.commit()
    return out


@router.post("/{campaign_id}/targets/upload", response_model=CampaignTargetsUploaded, openapi_extra=LIST_UPLOAD_BODY,
             responses={413: {"description": "file over 2 MB"}})
async def upload_targets(campaign_id: Id, request: Request, session: WriteSessionDep,
                         actor: CurrentActor) -> CampaignTargetsUploaded:
    """More targets from an uploaded file (multipart `file`: CSV or XLSX, one 统一社会信用代码 a row under a header
    of that name, or a header-less single column). All or nothing: bad, duplicate or unregistered codes are
    answered 422 `bad_target_rows` with each row and its problem; cells are never evaluated as formulas."""
    require_role(actor, *campaign_service.MANAGERS, action="change campaigns")  # before reading the file
    campaign_service.get_visible(session, campaign_id, actor)
    spool = await spool_upload(request, directory=Path(tempfile.gettempdir()) / "xuncha-lists", file_field="file",
                               text_fields=frozenset(), max_file_bytes=MAX_LIST_BYTES)
    try:
        data = spool.path.read_bytes() if spool.path is not None else b""
    finally:
        spool.discard()
    rows, added = campaign_service.add_targets_from_file(session, campaign_id, data, spool.filename, actor=actor,
                                                         now=utcnow())
    campaign = campaign_service.get_visible(session, campaign_id, actor)
    out = campaign_progress.public(campaign, len(campaign_service.target_ids(session, campaign_id)))
    session.commit()
    return CampaignTargetsUploaded(campaign=out, rows=rows, added=added)


@router.post("/{campaign_id}/close", response_model=CampaignPublic)
def close_campaign(campaign_id: Id, body: CampaignCloseIn, session: WriteSessionDep,
                   actor: CurrentActor) -> CampaignPublic:
    """The office closes a campaign (who and when are kept, audited): no more tasks or targets (409
    `campaign_closed`); its tasks, progress and report stay."""
    campaign = campaign_service.close(session, campaign_id, body.note, actor=actor, now=utcnow())
    out = campaign_progress.public(campaign, len(campaign_service.target_ids(session, campaign_id)))
    session.commit()
    return out


@router.post("/{campaign_id}/plan", response_model=CampaignPlanOut)
def plan_campaign(campaign_id: Id, body: CampaignPlanIn, session: WriteSessionDep,
                  actor: CurrentActor) -> CampaignPlanOut:
    """One inspection task per target and enforcing department (source `campaign`), made once however often this
    is called; the merge job turns them into (joint) visits like any other task."""
    out = campaign_service.plan(session, campaign_id, body, actor=actor, now=utcnow())
    session.commit()
    return out


@router.get("/{campaign_id}/tasks", response_model=list[TaskPublic])
def campaign_tasks(campaign_id: Id, session: SessionDep, actor: CurrentActor) -> list[TaskPublic]:
    campaign_service.get_visible(session, campaign_id, actor)
    return tasks_out(session, campaign_service.tasks_of(session, campaign_id))


@router.get("/{campaign_id}/progress", response_model=CampaignProgress,
            responses={200: {"content": {XLSX: {}, "application/pdf": {}}}})
def progress(campaign_id: Id, session: SessionDep, actor: CurrentActor,
             format: Annotated[Literal["json", "xlsx", "pdf"], Query()] = "json") -> CampaignProgress | Response:
    """Per enterprise and per street: visited, hazards found and closed, 整治完成 under the campaign's rule.
    `?format=xlsx` or `?format=pdf` for the campaign report."""
    data = campaign_progress.progress(session, campaign_id, actor=actor, now=utcnow())
    if format == "xlsx":
        return Response(campaign_report.to_xlsx(data), media_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="{campaign_report.filename(data, "xlsx")}"'})
    if format == "pdf":
        return Response(campaign_report.to_pdf(data), media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="{campaign_report.filename(data, "pdf")}"'})
    return data
