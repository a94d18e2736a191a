"""The regulating departments, so pages can name what the API refers to by id."""

from fastapi import APIRouter
from sqlmodel import col, select

from inspection.models import Department
from schemas.accounts import DepartmentPublic
from server.auth import CurrentActor
from server.db import SessionDep

router = APIRouter(tags=["departments"])


@router.get("/departments", response_model=list[DepartmentPublic])
def list_departments(session: SessionDep, actor: CurrentActor) -> list[Department]:
    """Every department (their names are printed on orders anyway), in joint-visit lead order."""
    return list(session.exec(select(Department).order_by(col(Department.priority), col(Department.id))).all())
