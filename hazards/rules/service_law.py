"""Service (送达) as data with its sources (``data/service_law.json``, REFERENCE §G.8): the methods a 送达回执
records, their legal basis (unverified articles printed as such) and the consent electronic service needs."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from hazards.rules.instruments import Basis

DATA_FILE = Path(__file__).parent / "data" / "service_law.json"


@dataclass(frozen=True)
class Method:
    key: str
    label: str
    basis: Basis
    min_witnesses: int = 0
    needs_consent: bool = False


@cache
def _raw(path: Path = DATA_FILE) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _basis(raw: dict[str, Any]) -> Basis:
    return Basis(raw["citation"], bool(raw["verified"]), raw["source"])


def methods() -> dict[str, Method]:
    return {key: Method(key, raw["label"], _basis(raw["basis"]), int(raw.get("min_witnesses", 0)),
                        bool(raw.get("needs_consent", False)))
            for key, raw in _raw()["methods"].items()}


def receipt_basis() -> Basis:
    return _basis(_raw()["receipt"])


def general_basis() -> tuple[Basis, ...]:
    return tuple(_basis(raw) for raw in _raw()["general"])


def consent_channels() -> dict[str, str]:
    return dict(_raw()["consent"]["channels"])


def consent_title() -> str:
    return str(_raw()["consent"]["title"])


def consent_basis() -> Basis:
    return _basis(_raw()["consent"]["basis"])
