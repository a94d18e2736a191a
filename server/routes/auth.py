from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from inspection.identity import accounts
from inspection.models import Department, User
from inspection.types import utcnow
from schemas.accounts import MePublic, TokenOut
from server.auth import CurrentActor, issue_token
from server.clients import client_address, parse_networks
from server.db import SessionDep, WriteSessionDep
from server.errors import error_json
from server.settings import get_settings

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=TokenOut)
def login(request: Request, session: WriteSessionDep,  # type: ignore[no-untyped-def]
          form: Annotated[OAuth2PasswordRequestForm, Depends()]):
    """OAuth2 password flow. Repeated failures for one username from one client address lock that client out
    of it for a while (429); many more from everywhere lock the username."""
    settings = get_settings()
    now = utcnow()
    client = client_address(request, parse_networks(settings.trusted_proxies))
    try:
        user = accounts.authenticate(
            session, form.username.strip(), form.password, client=client, now=now,
            max_failures=settings.login_max_failures, max_failures_per_user=settings.login_max_failures_per_user,
            lock_seconds=settings.login_lock_seconds, fast_hash=settings.env == "test",
        )
    except accounts.LoginLocked as locked:
        return error_json(429, "too_many_requests", "登录失败次数过多，请稍后再试 / too many failed logins",
                          {"retry_after": locked.retry_after}, {"Retry-After": str(locked.retry_after)})
    session.commit()
    if user is None:
        return error_json(401, "unauthorized", "用户名或密码错误 / wrong username or password",
                          headers={"WWW-Authenticate": "Bearer"})
    token, expires = issue_token(user, now=now)
    return TokenOut(access_token=token, expires_at=expires, role=user.role)


@router.get("/me", response_model=MePublic)
def me(session: SessionDep, actor: CurrentActor) -> MePublic:
    user = session.get(User, actor.user_id)
    assert user is not None
    department = session.get(Department, user.department_id) if user.department_id else None
    return MePublic.model_validate({**user.model_dump(), "department": department})
