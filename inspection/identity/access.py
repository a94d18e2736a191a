"""Who is acting, and the one place that decides what they may see and do."""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, true

from inspection.errors import NotPermitted
from schemas.enums import Role


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    full_name: str
    role: Role
    department_id: int | None = None
    enterprise_id: int | None = None
    cert_no: str | None = None

    @property
    def is_staff(self) -> bool:
        """Government side: may read every enterprise."""
        return self.role in (Role.INSPECTOR, Role.OFFICE, Role.ADMIN)

    @property
    def is_certified_inspector(self) -> bool:
        return self.role == Role.INSPECTOR and bool(self.cert_no)


def require_role(actor: Actor, *roles: Role, action: str = "") -> None:
    if actor.role not in roles:
        raise NotPermitted(
            f"无权执行此操作 / role '{actor.role.value}' may not {action or 'do this'}",
            details={"allowed_roles": list(roles)},
        )


def enterprise_filter(actor: Actor, column: ColumnElement[int] | object) -> ColumnElement[bool]:
    """SQL condition restricting rows with an enterprise column to what the actor may see."""
    if actor.is_staff:
        return true()
    if actor.role == Role.ENTERPRISE and actor.enterprise_id is not None:
        return column == actor.enterprise_id  # type: ignore[return-value]
    return false()


def can_see_enterprise(actor: Actor, enterprise_ids: Iterable[int | None]) -> bool:
    if actor.is_staff:
        return True
    return actor.role == Role.ENTERPRISE and actor.enterprise_id in set(enterprise_ids)
