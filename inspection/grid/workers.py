"""Grid workers' accounts: the office attaches each to one street (their grid)."""

from datetime import datetime

from sqlmodel import Session, select

from inspection import audit
from inspection.errors import Conflict
from inspection.grid.models import GridWorker
from inspection.identity.access import Actor, require_role
from inspection.identity.accounts import hash_password
from inspection.models import User
from schemas.enums import Role
from schemas.grid import GridWorkerCreate


def create(session: Session, data: GridWorkerCreate, *, actor: Actor, now: datetime,
           fast_hash: bool = False) -> tuple[User, GridWorker]:
    require_role(actor, Role.OFFICE, Role.ADMIN, action="create grid workers")
    if session.exec(select(User.id).where(User.username == data.username)).first() is not None:
        raise Conflict("用户名已存在 / username taken", code="username_taken")
    user = User(username=data.username, full_name=data.full_name, role=Role.GRID, phone=data.phone,
                password_hash=hash_password(data.password, fast=fast_hash), created_at=now)
    session.add(user)
    session.flush()
    worker = GridWorker(user_id=user.id or 0, street=data.street, created_at=now)
    session.add(worker)
    session.flush()
    audit.record(session, entity="user", entity_id=user.id or 0, action="grid_worker.create", actor=actor, at=now,
                 after={"username": user.username, "role": Role.GRID.value, "street": worker.street})
    return user, worker


def street_of(session: Session, user_id: int) -> str | None:
    return session.exec(select(GridWorker.street).where(GridWorker.user_id == user_id)).first()
