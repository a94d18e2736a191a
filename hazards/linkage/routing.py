"""Which department inspects what each kind of registration, with which checklists: data with its source."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).parent / "data" / "routing.json"


@dataclass(frozen=True)
class Route:
    kind: str
    label: str
    department: str  # Department.code
    checklists: tuple[str, ...]
    creates_enterprise: bool
    verified: bool


@cache
def raw() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@cache
def routes() -> dict[str, Route]:
    return {kind: Route(kind=kind, label=row["label"], department=row["department"],
                        checklists=tuple(row["checklists"]), creates_enterprise=bool(row["creates_enterprise"]),
                        verified=bool(row.get("verified", False)))
            for kind, row in raw()["kinds"].items()}


def route(kind: str) -> Route:
    return routes()[kind]
