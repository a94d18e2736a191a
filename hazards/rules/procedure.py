"""Which procedure rules a re-inspection cites, by the day of the act: data with its source (REFERENCE §G.5).

From 2026-02-01 应急管理部令第18号 replaces 原安监总局令第15号. Neither article number was read in the official
text, so the entries in ``data/procedure.json`` are unverified and the citation says so; the code holds no
citation text.
"""

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "procedure.json"


@dataclass(frozen=True)
class Citation:
    title: str
    number: str
    article: str | None
    verified: bool
    source: str
    valid_from: date | None
    valid_to: date | None

    @property
    def text(self) -> str:
        """``《安全生产违法行为行政处罚办法》（应急管理部令第18号）（条款未核实）``"""
        base = f"《{self.title}》（{self.number}）"
        if self.article and self.verified:
            return base + self.article
        return base + (f"{self.article}（条款未核实）" if self.article else "（条款未核实）")

    def covers(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@cache
def reinspection_rules(path: Path = DATA_FILE) -> tuple[Citation, ...]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return tuple(Citation(e["title"], e["number"], e.get("article"), bool(e.get("verified")), e["source"],
                          _day(e.get("valid_from")), _day(e.get("valid_to"))) for e in raw["reinspection"])


def reinspection_basis(day: date) -> Citation:
    """The procedure rules in force on ``day`` for a re-inspection."""
    for citation in reinspection_rules():
        if citation.covers(day):
            return citation
    raise LookupError(f"no procedure rules for {day} in {DATA_FILE.name}")
