"""Users, passwords and login throttling."""

import hashlib
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
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


USERNAME_KEY_CHARS = 64  # the longest username; longer typed names are hashed into the throttle key


def throttle_keys(username: str, client: str) -> tuple[str, str]:
    """(the key for this username from this client, the key for this username from anywhere).

    A client address has no spaces, so the first space ends it and no typed username can make one key look
    like another; a typed name longer than any username is hashed to keep the key short.
    """
    name = username if len(username) <= USERNAME_KEY_CHARS else (
        "sha256:" + hashlib.sha256(username.encode()).hexdigest())
    return f"client:{client[:64]} {name}", f"user:{name}"


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    client: str,
    now: datetime,
    max_failures: int,
    max_failures_per_user: int,
    lock_seconds: int,
    fast_hash: bool = False,
) -> User | None:
    """The user if the password is right; None otherwise. Raises LoginLocked while throttled.

    Failures are counted per username and client address: after ``max_failures`` in a row from one client,
    that client is locked out of that username for ``lock_seconds``, while the user, from their own phone,
    still logs in. A much higher ``max_failures_per_user`` from all clients together locks the username
    itself, so guessing spread over many addresses is slowed down too. A success clears both counts.
    Failures are committed by the caller even though the login fails.
    """
    pair_key, user_key = throttle_keys(username, client)
    pair, per_user = session.get(LoginThrottle, pair_key), session.get(LoginThrottle, user_key)
    waits = [int((t.locked_until - now).total_seconds()) + 1 for t in (pair, per_user)
             if t is not None and t.locked_until is not None and t.locked_until > now]
    if waits:
        raise LoginLocked(max(waits))
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.is_active:
        verify_password(_dummy_hash(fast_hash), password, fast=fast_hash)
        ok = False
    else:
        ok = verify_password(user.password_hash, password, fast=fast_hash)
    if ok:
        for throttle in (pair, per_user):
            if throttle is not None:
                session.delete(throttle)
        return user
    for key, limit in ((pair_key, max_failures), (user_key, max_failures_per_user)):
        _count_failure(session, key, limit=limit, now=now, lock_seconds=lock_seconds)
    return None


def _count_failure(session: Session, key: str, *, limit: int, now: datetime, lock_seconds: int) -> None:
    """One more failure under ``key``, locking it at ``limit``. The row is locked (PostgreSQL) from here to the
    caller's commit, so failures arriving together are all counted; a row two of them create at once is made
    once (the loser of the insert counts on the winner's row)."""
    for _ in range(3):
        throttle = session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
        if throttle is not None:
            break
        try:
            with session.begin_nested():
                session.add(LoginThrottle(username=key))
                session.flush()
        except IntegrityError:
            continue
    else:
        raise RuntimeError(f"login throttle row {key!r} neither found nor made")
    throttle.failures += 1
    throttle.last_failure_at = now
    if throttle.failures >= limit:
        throttle.locked_until = now + timedelta(seconds=lock_seconds)
        throttle.failures = 0
    session.add(throttle)


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


def mark_department_head(session: Session, user_id: int, head: bool, *, actor: Actor, now: datetime) -> User:
    """Mark (or unmark) an inspector as their department's head, whom the escalation ladder reaches. The office and
    admins only; audited."""
    from inspection import audit
    from inspection.errors import InvalidInput, NotFound
    from inspection.identity.access import require_role

    require_role(actor, Role.OFFICE, Role.ADMIN, action="mark department heads")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在 / user not found", code="user_not_found")
    if head and user.department_id is None:
        raise InvalidInput("只有部门账号可以标记为部门负责人 / only a department's account can head it",
                           code="not_a_department_account")
    before = {"department_head": user.department_head}
    user.department_head = head
    session.add(user)
    session.flush()
    audit.record(session, entity="user", entity_id=user_id, action="user.department_head", actor=actor, at=now,
                 before=before, after={"department_head": head, "department_id": user.department_id})
    return user
