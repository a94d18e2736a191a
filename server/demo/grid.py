"""Demo data: a grid worker (网格员) of 新桥街道 with the phone app, and one advisory check of a small restaurant
whose two failed items were referred to 消防 and 住建 (their tasks await inspectors). Idempotent."""

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, select

from inspection.field import checklists
from inspection.grid import checks as grid_checks
from inspection.grid.models import GridCheck, GridWorker
from inspection.identity.accounts import actor_for, hash_password
from inspection.models import Enterprise, User
from schemas.enums import ItemResult, Role
from schemas.grid import GridCheckIn, GridResultIn

USERNAME = "wangge"
STREET = "新桥街道"
VENUE = "老常州面馆（三井店）"
FAILS = {"VENUE-02": "后门疏散通道堆放纸箱杂物", "VENUE-06": "后厨使用瓶装液化气，未装可燃气体报警器"}


def load(session: Session, *, password: str, now: datetime, fast_hash: bool = False) -> list[tuple[str, str]]:
    """Make the grid worker and their first check if missing; the demo login it adds."""
    user = session.exec(select(User).where(User.username == USERNAME)).first()
    if user is None:
        user = User(username=USERNAME, full_name="网格员 周敏", role=Role.GRID,
                    password_hash=hash_password(password, fast=fast_hash))
        session.add(user)
        session.flush()
        session.add(GridWorker(user_id=user.id or 0, street=STREET, created_at=now))
        session.flush()
    venue = session.exec(select(Enterprise).where(Enterprise.name == VENUE, Enterprise.street == STREET)).first()
    done = session.exec(select(GridCheck.id).where(GridCheck.checked_by == user.id)).first()
    if venue is not None and done is None:
        results = [GridResultIn(item_code=item.code, result=ItemResult.FAIL if item.code in FAILS else ItemResult.PASS,
                                note=FAILS.get(item.code, ""))
                   for item in checklists.latest(grid_checks.KIND).items]
        grid_checks.submit(session, GridCheckIn(
            client_uuid=str(uuid.uuid5(uuid.NAMESPACE_URL, "xuncha-demo-grid-check")), enterprise_id=venue.id or 0,
            checked_at=now - timedelta(days=1), note="安消一体化网格巡查（演示数据）", results=results),
            actor=actor_for(user), now=now)
    return [(USERNAME, f"grid worker 网格员 ({STREET})")]
