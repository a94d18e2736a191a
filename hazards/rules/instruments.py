"""The instruments issued besides the 责令限期整改指令书, as data with their sources (``data/instruments.json``):
the 现场处理措施决定书 for a major hazard's withdrawal, suspension or stopped equipment (REFERENCE §G.4) and the
不予行政处罚决定书 of a confirmed 首违免罚 (§G.9). The appeal bodies named on them are ``hazards.rules.appeals``."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).parent / "data" / "instruments.json"
UNVERIFIED = "（条款未核实）"


@dataclass(frozen=True)
class Basis:
    citation: str
    verified: bool
    source: str

    @property
    def printed(self) -> str:
        return self.citation if self.verified else self.citation + UNVERIFIED


@dataclass(frozen=True)
class Instrument:
    title: str
    doc_code: str
    basis: tuple[Basis, ...]
    extra: dict[str, Any]

    @property
    def basis_text(self) -> str:
        return "、".join(b.printed for b in self.basis)


@cache
def _raw(path: Path = DATA_FILE) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _instrument(key: str) -> Instrument:
    raw = dict(_raw()[key])
    basis = tuple(Basis(b["citation"], bool(b["verified"]), b["source"]) for b in raw.pop("basis"))
    return Instrument(raw.pop("title"), raw.pop("doc_code"), basis, raw)


def visit_record() -> Instrument:
    return _instrument("visit_record")


def onsite_measures() -> Instrument:
    return _instrument("onsite_measures")


def exemption() -> Instrument:
    return _instrument("exemption")


def measure_labels() -> dict[str, str]:
    return dict(onsite_measures().extra["measures"])


def stops_production(measures: list[str]) -> bool:
    """Whether the measures stop production or equipment (then resuming needs the authority's approval)."""
    return bool(set(measures) & set(onsite_measures().extra["stopping"]))
