"""Each department's own instrument for ordering corrections (REFERENCE §G.3), as data with its sources
(``data/department_orders.json``): 应急 责令限期整改指令书 under 安全生产法 Art.65, 消防 责令改正通知书 under the
消防法, 住建 责令限期改正通知书 under the 城镇燃气管理条例, 市场监管 its 责令改正通知书. Title, number prefix,
legal basis and wording come from here, never from branches in code; only 应急's is verified."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from hazards.rules.instruments import Basis

DATA_FILE = Path(__file__).parent / "data" / "department_orders.json"

@dataclass(frozen=True)
class OrderInstrument:
    """One department's order: what it is called, how it is numbered, on what law, in what words."""

    department: str  # the department's code
    title: str
    short_name: str  # how the appeal notice names it: 本指令 / 本通知
    prefix: str  # before 〔year〕: （新北）<prefix>〔2026〕0001号
    basis: tuple[Basis, ...]
    wording: str
    verified: bool
    source: str

    @property
    def basis_text(self) -> str:
        return "、".join(b.printed for b in self.basis)

    @property
    def clause(self) -> str:
        """The operative sentence: the legal basis, then the order."""
        return f"依据{self.basis_text}的规定，{self.wording}"

    @property
    def footer_note(self) -> str:
        """Printed in the footer of an unverified instrument; empty when verified."""
        return "" if self.verified else str(_raw()["unverified_footer"])


@cache
def _raw(path: Path = DATA_FILE) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def raw_departments() -> dict[str, Any]:
    """The departments' entries as written (``hazards.rules.department_law`` reads what each enforces)."""
    return dict(_raw()["departments"])


def codes() -> list[str]:
    """The departments with an instrument in the data."""
    return list(_raw()["departments"])


def for_department(code: str) -> OrderInstrument:
    """The department's instrument. A department missing from the data gets the 应急 form under its own code,
    marked unverified (its own instrument has not been written down yet)."""
    departments = _raw()["departments"]
    if code in departments:
        raw = departments[code]
        return OrderInstrument(
            department=code, title=raw["title"], short_name=raw["short_name"], prefix=raw["prefix"],
            basis=tuple(Basis(b["citation"], bool(b["verified"]), b["source"]) for b in raw["basis"]),
            wording=raw["wording"], verified=bool(raw["verified"]), source=raw["source"])
    default = for_department("应急")
    return OrderInstrument(department=code, title=default.title, short_name=default.short_name,
                           prefix=f"{code}责改", basis=default.basis, wording=default.wording, verified=False,
                           source=f"no instrument of {code} in {DATA_FILE.name}: the 应急 form, unverified")
