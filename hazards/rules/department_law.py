"""Which law each department enforces, and so what its own instruments may cite for an item (REFERENCE §G.2).

A check two departments make (fire exits: 应急 and 消防) lists every article behind it in the catalogue; each
department's hazard, order, case file and 复查意见书 print only the citations of the law *that* department
enforces (``enforces`` per department in ``data/department_orders.json``, with sources): 消防's notice never
cites 安全生产法, 应急's order never a 消防法 article. A citation belongs to a department when it begins with one of
the department's ``cites``. An item that leaves a department none of its own law cannot go on that department's
order (the catalogue test checks no item does).

A version 1 item has only its printed basis: its citations are the ``；``-separated parts of it. Where none of
them is the department's, the catalogue entry of the same code (the same check) gives the department's own.
"""

from dataclasses import dataclass
from functools import cache

from hazards.rules import department_orders
from inspection.errors import InvalidInput
from inspection.field import checklists
from inspection.field.checklists.model import ChecklistItem


@dataclass(frozen=True)
class Enforced:
    """A law, standard or campaign list a department applies, as citations begin with it."""

    cites: str
    verified: bool  # whether REFERENCE confirms the department enforces it
    source: str


@cache
def enforced(code: str) -> tuple[Enforced, ...]:
    """What the department enforces (nothing for a department missing from the data)."""
    raw = department_orders.raw_departments().get(code, {})
    return tuple(Enforced(e["cites"], bool(e["verified"]), e["source"]) for e in raw.get("enforces", []))


def belongs(citation: str, code: str) -> bool:
    """Whether ``citation`` is of a law the department enforces."""
    return any(citation.startswith(law.cites) for law in enforced(code))


def own_citations(item: ChecklistItem, code: str, *, major: bool | None = None) -> list[str]:
    """The item's printed citations that are the department's: duty, then (for a major) grading."""
    if item.in_catalogue:
        graded = item.is_major if major is None else major
        cited = [b.printed for b in item.duty_basis]
        if graded and item.grading_basis is not None:
            cited.append(item.grading_basis.printed)
        return [c for c in cited if belongs(c, code)]
    own = [part for part in item.legal_basis.split("；") if part and belongs(part, code)]
    if own:
        return own
    same = checklists.find_item(item.code)  # version 1: the same code is the same check
    return own_citations(same, code, major=major) if same is not None and same.in_catalogue else []


def basis_for(item: ChecklistItem, code: str, *, major: bool | None = None) -> str:
    """The basis the department's instrument prints for the item. None of its own law: refused (422), the item
    cannot go on that department's order."""
    own = own_citations(item, code, major=major)
    if not own:
        raise InvalidInput(f"检查项{item.code}的依据中没有{code}执法的法律法规，不得列入{code}的执法文书 / "
                           f"the item cites no law the department enforces", code="no_basis_of_department",
                           details={"item_code": item.code, "department": code})
    return "；".join(own)
