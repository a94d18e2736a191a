"""Scheduled jobs: their status, and "run now" (the same job function the scheduler calls)."""

from fastapi import APIRouter

from inspection.errors import NotFound
from inspection.identity.access import Actor, require_role
from inspection.types import utcnow
from schemas.enums import Role
from schemas.tasks import JobRunPublic, JobStatus
from server.auth import CurrentActor
from server.db import SessionDep
from server.jobs import functions as jobs
from server.jobs import scheduler

router = APIRouter(prefix="/admin", tags=["admin"])


def _ensure_operator(actor: Actor) -> None:
    require_role(actor, Role.OFFICE, Role.ADMIN, action="manage scheduled jobs")


@router.get("/jobs", response_model=list[JobStatus])
def list_jobs(session: SessionDep, actor: CurrentActor) -> list[JobStatus]:
    """Each job: its schedule, next run, last run and last result."""
    _ensure_operator(actor)
    return scheduler.statuses(session, now=utcnow())


@router.post("/jobs/{job_id}/run", response_model=JobRunPublic)
def run_job(job_id: str, actor: CurrentActor) -> JobRunPublic:
    """Run one job now, in this request. Jobs are idempotent: running one twice does nothing twice.

    A failing job answers 200 with ``ok: false`` and the error in ``summary``, as its run record says."""
    _ensure_operator(actor)
    if job_id not in jobs.JOBS:
        raise NotFound("没有这个任务 / no such job", code="unknown_job", details={"jobs": sorted(jobs.JOBS)})
    return JobRunPublic.model_validate(jobs.run(job_id, trigger="manual"))
