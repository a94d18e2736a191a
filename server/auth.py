"""Bearer tokens -> Actor. The only place that knows about tokens."""

import time
from datetime import datetime, timedelta
from typing import Annotated

import anyio.to_thread
import jwt
from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from inspection.identity.access import Actor
from inspection.identity.accounts import actor_for
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


async def current_actor(token: Annotated[str | None, Depends(oauth2_scheme)]) -> Actor:
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
    with Session(get_engine()) as session:  # released at once, not held for the whole request
        user = by_id(session, User, user_id)
    if user is None or not user.is_active:
        raise _unauthorized("用户不存在或已停用 / unknown or inactive user")
    return actor_for(user)


CurrentActor = Annotated[Actor, Depends(current_actor)]
