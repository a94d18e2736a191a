"""Who may go as an enforcement officer (执法人员) to an enterprise on a day: an active inspector of the
department, certified (执法证) and certified still on that day, and not declared in conflict with the enterprise
(回避). One rule for assigning inspectors to tasks and to visits."""

from datetime import date

from sqlmodel import Session, col, select

from inspection.errors import InvalidInput
from inspection.models import Recusal, User
from schemas.enums import Role


def check_team(session: Session, user_ids: list[int], *, department_id: int | None, enterprise_id: int,
               day: date) -> list[User]:
    """The users, or InvalidInput naming each one who may not go and why."""
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(user_ids))).all()} if user_ids else {}
    recused = set(session.exec(select(Recusal.user_id).where(
        col(Recusal.user_id).in_(user_ids), Recusal.enterprise_id == enterprise_id)).all()) if user_ids else set()
    problems = []
    for user_id in user_ids:
        user = users.get(user_id)
        if user is None or user.role != Role.INSPECTOR or not user.is_active or (
                department_id is not None and user.department_id != department_id):
            problems.append({"user_id": user_id, "problem": "not_an_inspector",
                             "message": "不是本部门在岗执法人员"})
        elif not user.cert_no:
            problems.append({"user_id": user_id, "problem": "not_certified", "message": "无执法证"})
        elif user.cert_valid_to is not None and user.cert_valid_to < day:
            problems.append({"user_id": user_id, "problem": "certificate_expired",
                             "message": f"执法证已于{user.cert_valid_to}到期"})
        elif user_id in recused:
            problems.append({"user_id": user_id, "problem": "recused", "message": "已申报回避该企业"})
    if problems:
        raise InvalidInput("检查人员不符合要求 / these inspectors may not be assigned", code="inspector_not_eligible",
                           details=problems)
    return [users[i] for i in user_ids]
