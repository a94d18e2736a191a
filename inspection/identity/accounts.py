"""Users, passwords and login throttling."""

from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from inspection.identity.access import Actor
from inspection.models import LoginThrottle, User
from schemas.enums import Role

# a real hash, so unknown usernames cost the same time as wrong passwords
_DUMMY_PASSWORD = "not-a-real-password"


@cache
def hasher(fast: bool = False) -> PasswordHasher:
    """argon2id; ``fast`` lowers the cost for the test suite only."""
    if fast:
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


@cache
def _dummy_hash(fast: bool) -> str:
    return hasher(fast).hash(_DUMMY_PASSWORD)


def hash_password(password: str, *, fast: bool = False) -> str:
    return hasher(fast).hash(password)


def verify_password(password_hash: str, password: str, *, fast: bool = False) -> bool:
    try:
        return hasher(fast).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class LoginLocked(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("too many failed logins")
        self.retry_after = retry_after


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    now: datetime,
    max_failures: int,
    lock_seconds: int,
    fast_hash: bool = False,
) -> User | None:
    """The user if the password is right; None otherwise. Raises LoginLocked while throttled.

    After ``max_failures`` consecutive failures the username is locked for ``lock_seconds``; the lock is
    per username (not per client), so a password-guessing run against one account is slowed down whatever
    address it comes from. Failures are committed by the caller even though the login fails.
    """
    throttle = session.get(LoginThrottle, username)
    if throttle and throttle.locked_until and throttle.locked_until > now:
        raise LoginLocked(int((throttle.locked_until - now).total_seconds()) + 1)
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.is_active:
        verify_password(_dummy_hash(fast_hash), password, fast=fast_hash)
        ok = False
    else:
        ok = verify_password(user.password_hash, password, fast=fast_hash)
    if ok:
        if throttle:
            session.delete(throttle)
        return user
    throttle = throttle or LoginThrottle(username=username)
    throttle.failures += 1
    throttle.last_failure_at = now
    if throttle.failures >= max_failures:
        throttle.locked_until = now + timedelta(seconds=lock_seconds)
        throttle.failures = 0
    session.add(throttle)
    return None


def actor_for(user: User) -> Actor:
    assert user.id is not None
    return Actor(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),
        department_id=user.department_id,
        enterprise_id=user.enterprise_id,
        cert_no=user.cert_no,
    )
