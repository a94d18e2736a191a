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


@dataclass(frozen=True)
class RecordForm:
    """One department's 现场检查记录: its number prefix (（新北）<prefix>〔2026〕0001号) and whether its form is
    verified."""

    department: str
    prefix: str
    verified: bool
    source: str
    unverified_footer: str

    @property
    def footer_note(self) -> str:
        """Printed under the footer of an unverified record; empty when verified."""
        return "" if self.verified else self.unverified_footer


def record_form(department_code: str) -> RecordForm:
    """The department's own 现场检查记录 (REFERENCE §G.7), as data; a department missing from the data gets
    ``<code>检记``, unverified."""
    record = visit_record()
    footer = str(record.extra["unverified_footer"])
    raw = record.extra["departments"].get(department_code)
    if raw is None:
        return RecordForm(department_code, f"{department_code}{record.doc_code}", False,
                          f"no record form of {department_code} in {DATA_FILE.name}", footer)
    return RecordForm(department_code, raw["prefix"], bool(raw["verified"]), raw["source"], footer)


def onsite_measures() -> Instrument:
    return _instrument("onsite_measures")


def exemption() -> Instrument:
    return _instrument("exemption")


def measure_labels() -> dict[str, str]:
    return dict(onsite_measures().extra["measures"])


def stops_production(measures: list[str]) -> bool:
    """Whether the measures stop production or equipment (then resuming needs the authority's approval)."""
    return bool(set(measures) & set(onsite_measures().extra["stopping"]))
