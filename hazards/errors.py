"""Errors of the hazard loop. Stable codes; ``server/errors.py`` maps the classes to HTTP statuses."""

from collections.abc import Iterable

from inspection.errors import Conflict

_STATUS_ZH = {"open": "待整改", "submitted": "待复核", "closed": "已销号", "voided": "已作废"}
_MOVE_ZH = {
    "submit": "提交整改",
    "accept": "复核通过",
    "reject": "复核退回",
    "close_on_spot": "当场整改",
    "reopen": "重新打开",
    "void": "作废",
}


def _zh(labels: dict[str, str], value: str) -> str:
    return f"{labels.get(value, value)}({value})"


class IllegalTransition(Conflict):
    """A hazard move that its current status does not allow; ``details["allowed"]`` lists what would be."""

    code = "illegal_transition"

    def __init__(self, *, current: str, move: str, allowed: Iterable[str]) -> None:
        allowed = [str(m) for m in allowed]
        zh_allowed = "、".join(_zh(_MOVE_ZH, m) for m in allowed) or "无"
        en_allowed = ", ".join(allowed) or "none"
        super().__init__(
            f"隐患当前状态为{_zh(_STATUS_ZH, str(current))}，不能执行{_zh(_MOVE_ZH, str(move))}；"
            f"可执行：{zh_allowed} / "
            f"cannot '{move}' a hazard that is '{current}'; allowed from '{current}': {en_allowed}",
            details={"current": str(current), "move": str(move), "allowed": allowed},
        )
        self.current = str(current)
        self.move = str(move)
        self.allowed = allowed
