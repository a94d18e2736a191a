"""Who hears an appeal, per district, as data with its source (``data/appeal_bodies.json``, REFERENCE §E.2,
§G.12): the district 人民政府 for 行政复议 (行政复议法 as revised, in force 2024-01-01) and the named court for
行政诉讼. The issuing department's ``district_short`` selects the entry; a district without one is refused,
so no instrument ever prints the generic "有管辖权的…" wording."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from inspection.errors import InvalidInput

DATA_FILE = Path(__file__).parent / "data" / "appeal_bodies.json"


@dataclass(frozen=True)
class AppealBodies:
    district: str
    review_body: str
    court: str
    review_days: int
    suit_months: int
    review_body_verified: bool
    court_verified: bool
    court_source: str

    def notice(self, what: str, *, party: str = "你单位") -> str:
        """The 救济途径 paragraph of an instrument called 本``what`` (指令, 决定 …)."""
        return (f"{party}如对本{what}不服，可以自收到本{what}之日起{self.review_days}日内依法向{self.review_body}"
                f"申请行政复议，或者在{self.suit_months}个月内依法向{self.court}提起行政诉讼。"
                f"行政复议或者行政诉讼期间，本{what}不停止执行。")


@cache
def _raw(path: Path = DATA_FILE) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def districts() -> list[str]:
    return sorted(_raw()["districts"])


def for_district(district: str) -> AppealBodies:
    entry = _raw()["districts"].get(district)
    if entry is None or not entry.get("review_body") or not entry.get("court"):
        raise InvalidInput(f"未配置“{district}”的行政复议机关和人民法院 / no appeal bodies for this district",
                           code="appeal_bodies_missing", details={"district": district, "known": districts()})
    return AppealBodies(
        district=district, review_body=entry["review_body"], court=entry["court"],
        review_days=int(entry["review_days"]), suit_months=int(entry["suit_months"]),
        review_body_verified=bool(entry["review_body_verified"]), court_verified=bool(entry["court_verified"]),
        court_source=entry["court_source"])
