"""Bearer tokens -> Actor. The only place that knows about tokens."""

import time
from datetime import datetime, timedelta
from typing import Annotated

import anyio.to_thread
import jwt
from fastapi import Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from inspection.errors import NotPermitted
from inspection.identity.access import Actor
from inspection.identity.accounts import actor_for
from inspection.lookup import by_id
from inspection.models import User
from schemas.enums import Role
from server.db import get_read_engine
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


class ActorCache:
    """Who a token's user is, remembered per token for ``XUNCHA_ACTOR_CACHE_SECONDS``: most requests then need
    no signature check, no database read and no hop to the thread pool to know who is asking. The token's own
    expiry still holds to the second; a user deactivated meanwhile is refused once the entry ages out."""

    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Actor, float]] = {}

    def get(self, token: str, *, now: float) -> tuple[Actor, float] | None:
        """(actor, the token's expiry as a Unix time) while the entry is fresh."""
        entry = self._entries.get(token)
        return (entry[1], entry[2]) if entry is not None and entry[0] > now else None

    def put(self, token: str, actor: Actor, *, expires_at: float, now: float, seconds: float) -> None:
        if seconds <= 0:
            return
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        self._entries[token] = (now + seconds, actor, expires_at)

    def clear(self) -> None:
        self._entries.clear()


actors = ActorCache()
monotonic = time.monotonic  # the clocks, here so that tests can move them
unix_time = time.time


# What a grid worker (网格员) may reach: their own grid, who they are, and the reference data the app reads. Every other
# endpoint is enforcement (visits, hazards, orders, tasks, decisions) or the office's, and answers 403.
GRID_PATHS = ("/api/v1/grid/", "/api/v1/grid", "/api/v1/me", "/api/v1/checklists", "/api/v1/departments")


async def current_actor(request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]) -> Actor:
    actor = await _token_actor(token)
    if actor.role == Role.GRID and not request.url.path.startswith(GRID_PATHS):
        raise NotPermitted("网格员没有执法权限，不能进行行政检查、开具执法文书或处理隐患；发现问题请通过网格巡查"
                           "移送执法部门 / grid workers have no enforcement power", code="no_enforcement_power",
                           details={"role": Role.GRID.value})
    return actor


async def _token_actor(token: str | None) -> Actor:
    if not token:
        raise _unauthorized("需要登录 / not authenticated")
    now = monotonic()
    cached = actors.get(token, now=now)
    if cached is not None:
        actor, expires_at = cached
        if unix_time() < expires_at:
            return actor
        raise _unauthorized("登录已过期 / token expired")
    settings = get_settings()
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=[ALGORITHM])
        user_id = int(claims["sub"])
        expires_at = float(claims["exp"])
    except jwt.ExpiredSignatureError as exc:
        raise _unauthorized("登录已过期 / token expired") from exc
    except (jwt.InvalidTokenError, KeyError, ValueError) as exc:
        raise _unauthorized("令牌无效 / invalid token") from exc
    actor = await anyio.to_thread.run_sync(_load_actor, user_id)
    actors.put(token, actor, expires_at=expires_at, now=now, seconds=settings.actor_cache_seconds)
    return actor


def _load_actor(user_id: int) -> Actor:
    with Session(get_read_engine()) as session:  # released at once, not held for the whole request
        user = by_id(session, User, user_id)
    if user is None or not user.is_active:
        raise _unauthorized("用户不存在或已停用 / unknown or inactive user")
    return actor_for(user)


CurrentActor = Annotated[Actor, Depends(current_actor)]
