"""Bearer tokens -> Actor. The only place that knows about tokens."""

from datetime import datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from inspection.access import Actor
from inspection.accounts import actor_for
from inspection.lookup import by_id
from inspection.models import User
from server.db import get_engine
from server.settings import get_settings

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
ALGORITHM = "HS256"


def issue_token(user: User, *, now: datetime) -> tuple[str, datetime]:
    settings = get_settings()
    expires = now + timedelta(minutes=settings.token_minutes)
    claims = {"sub": str(user.id), "role": str(user.role), "iat": now, "exp": expires}
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM), expires


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def current_actor(token: Annotated[str | None, Depends(oauth2_scheme)]) -> Actor:
    if not token:
        raise _unauthorized("需要登录 / not authenticated")
    try:
        claims = jwt.decode(token, get_settings().secret_key, algorithms=[ALGORITHM])
        user_id = int(claims["sub"])
    except jwt.ExpiredSignatureError as exc:
        raise _unauthorized("登录已过期 / token expired") from exc
    except (jwt.InvalidTokenError, KeyError, ValueError) as exc:
        raise _unauthorized("令牌无效 / invalid token") from exc
    with Session(get_engine()) as session:  # released at once, not held for the whole request
        user = by_id(session, User, user_id)
    if user is None or not user.is_active:
        raise _unauthorized("用户不存在或已停用 / unknown or inactive user")
    return actor_for(user)


CurrentActor = Annotated[Actor, Depends(current_actor)]
