"""Whether a department tells an enterprise ahead (检查预告) of a visit from a source: data, not code
(``data/notice_policy.json``, with its source). 应急's routine and random inspections are unannounced (四不两直);
complaint checks are never announced."""

import functools
import json
from pathlib import Path
from typing import Any

POLICY_FILE = Path(__file__).parent / "data" / "notice_policy.json"


@functools.cache
def _policy() -> dict[str, Any]:
    return json.loads(POLICY_FILE.read_text(encoding="utf-8"))


def announced(department_code: str | None, source: str) -> bool:
    policy = _policy()
    if source == "complaint":
        return False
    mine = policy["departments"].get(department_code or "", {})
    return bool(mine.get(source, policy["default"].get(source, True)))
