"""Inspection checklists (DUST, FCZ, GAS) as versioned data files, and the rules for when an item applies.

Each checklist lives in ``inspection/field/checklists/<KIND>.v<N>.json``. A published version is never edited;
a change means a new file with the next version, so a visit can point at the exact wording it was checked
against: each department of a visit pins the version of each kind when it joins
(``VisitDepartment.checklist_versions``; ``Checklist.content_hash`` identifies the content). Item codes
(``DUST-07``) are stable across versions; new items take the next free number, at the end of their section.

The rooms of this package: ``conditions`` (when an item applies: the condition language, the enterprise
profile), ``model`` (what a file may say: items, sections, the catalogue with jurisdiction, retiring codes),
``files`` (loading and checking the files of this folder); this module answers the questions the rest of the
application asks (kinds, versions, items, jurisdiction, what applies) and names the public parts.
"""

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from inspection.field.checklists.conditions import (
    INDUSTRIAL_TRADE,
    INDUSTRIES,
    PLANT_ROLES,
    Condition,
    EnterpriseProfile,
    Party,
    check_condition,
    holds,
    party_fits,
)
from inspection.field.checklists.files import DEFAULT_DIRECTORY, _load_default, load_all, load_file
from inspection.field.checklists.model import (
    DEPARTMENT_CODES,
    UNVERIFIED_MARK,
    Basis,
    Checklist,
    ChecklistError,
    ChecklistItem,
    ChecklistSection,
    Retired,
    UnknownChecklist,
)

__all__ = [
    "DEFAULT_DIRECTORY", "DEPARTMENT_CODES", "INDUSTRIAL_TRADE", "INDUSTRIES", "KIND_ORDER", "ON_REQUEST_KINDS",
    "PLANT_ROLES",
    "UNVERIFIED_MARK", "Basis", "Checklist", "ChecklistError", "ChecklistItem", "ChecklistSection", "Condition",
    "EnterpriseProfile", "Jurisdiction", "Party", "Retired", "UnknownChecklist", "all_codes", "applicable",
    "applicable_items", "applicable_kinds", "applies", "askable_kinds", "asks_anything", "check_condition",
    "enforced_kinds", "find_item", "get", "holds", "jurisdiction", "kinds", "latest", "load_all", "load_file",
    "retirement", "versions",
]

KIND_ORDER: tuple[str, ...] = ("DUST", "FCZ", "GAS")
# Kinds no enterprise profile brings by default: asked only where a task or visit names them (VENUE, the small-venue
# checklist of grid workers, which a department receiving a grid worker's referral inspects with).
ON_REQUEST_KINDS: tuple[str, ...] = ("VENUE",)


# Loading -----


def kinds() -> list[str]:
    """The checklist kinds that are loaded, in the order DUST, FCZ, GAS."""
    present = {kind for kind, _ in load_all()}
    return [kind for kind in KIND_ORDER if kind in present]


def askable_kinds() -> list[str]:
    """Every kind a visit may ask, in order: the profile kinds, then those asked only on request (VENUE)."""
    present = {kind for kind, _ in load_all()}
    return kinds() + [kind for kind in ON_REQUEST_KINDS if kind in present]


def enforced_kinds(department_code: str) -> list[str]:
    """The kinds whose current checklist has an item this department enforces (执法主体): what its draws and
    routine visits may ask."""
    out = []
    for kind in kinds():
        items = (item for section in latest(kind).sections for item in section.items)
        if any(department_code in item.departments for item in items):
            out.append(kind)
    return out


def latest(kind: str) -> Checklist:
    versions = [version for loaded_kind, version in load_all() if loaded_kind == kind]
    if not versions:
        raise UnknownChecklist(f"no checklist of kind {kind!r}")
    return load_all()[(kind, max(versions))]


def get(kind: str, version: int | None = None) -> Checklist:
    """A specific version, or the latest one when ``version`` is None."""
    if version is None:
        return latest(kind)
    checklist = load_all().get((kind, version))
    if checklist is None:
        raise UnknownChecklist(f"no checklist {kind} v{version}")
    return checklist


def all_codes() -> frozenset[str]:
    """Every item code of every loaded version (retired ones included: old visits answer them)."""
    return _all_codes()


@functools.cache
def _all_codes() -> frozenset[str]:
    return frozenset(item.code for checklist in _load_default().values() for item in checklist.items)


@functools.lru_cache(maxsize=1024)
def find_item(code: str) -> ChecklistItem | None:
    """An item by code from the latest packaged version that has it (a retired code: its last version)."""
    kind = code.split("-", 1)[0]
    for version in reversed(versions(kind)):
        item = _load_default()[(kind, version)].item(code)
        if item is not None:
            return item
    return None


def retirement(code: str) -> tuple[int, Retired] | None:
    """(version, entry) of the packaged version that retired ``code``, if any."""
    kind = code.split("-", 1)[0]
    for (loaded_kind, version), checklist in sorted(_load_default().items()):
        if loaded_kind == kind:
            entry = next((e for e in checklist.retired if e.code == code), None)
            if entry is not None:
                return version, entry
    return None


@dataclass(frozen=True)
class Jurisdiction:
    """Who enforces an item, and whether it can go on an order at all."""

    departments: tuple[str, ...]
    advisory: bool


def jurisdiction(item: ChecklistItem) -> Jurisdiction:
    """A catalogue item's own; a version 1 item's from the same packaged code in the catalogue (or its
    retirement).

    Departments are empty only for an item no catalogue version declares (a test directory of v1 files).
    """
    if item.in_catalogue:
        return Jurisdiction(item.departments, item.advisory)
    kind = item.kind
    for version in reversed(versions(kind)):
        entry = _load_default()[(kind, version)].item(item.code)
        if entry is not None and entry.in_catalogue:
            return Jurisdiction(entry.departments, entry.advisory)
    retired = retirement(item.code)
    if retired is not None:
        return Jurisdiction(retired[1].departments, retired[1].advisory)
    return Jurisdiction((), False)


def versions(kind: str) -> list[int]:
    """The packaged versions of a kind, oldest first (empty for an unknown kind)."""
    return sorted(version for loaded_kind, version in _load_default() if loaded_kind == kind)


# Applicability -----


def applicable_kinds(profile: EnterpriseProfile) -> list[str]:
    """Which checklists an enterprise gets: dust -> DUST, rented site -> FCZ, gas -> GAS (in that order)."""
    in_rented_site = profile.plant_role in PLANT_ROLES
    wanted = {"DUST": profile.dust_involved, "FCZ": in_rented_site, "GAS": profile.gas_user}
    return [kind for kind in KIND_ORDER if wanted[kind]]


def applies(item: ChecklistItem, profile: EnterpriseProfile) -> bool:
    if item.kind not in applicable_kinds(profile) and item.kind not in ON_REQUEST_KINDS:
        return False
    if not party_fits(item.party, profile.plant_role):
        return False
    return item.applies_if is None or holds(item.applies_if, profile)


def applicable_items(checklist: Checklist, profile: EnterpriseProfile) -> list[ChecklistItem]:
    return [item for item in checklist.items if applies(item, profile)]


def asks_anything(kinds: Iterable[str], profile: EnterpriseProfile) -> bool:
    """Whether these checklist kinds leave at least one item to ask this enterprise: a visit without one could
    never be submitted (a submission answers every asked item, and answers nothing with no results)."""
    return any(applicable(kind, latest(kind).version, profile) for kind in kinds)


@functools.lru_cache(maxsize=1024)
def applicable(kind: str, version: int, profile: EnterpriseProfile) -> tuple[ChecklistItem, ...]:
    """The items of a packaged checklist version that apply to ``profile``; memoised, since the packaged
    checklists load once and a profile is a frozen value (every submission asks this for its pinned version)."""
    return tuple(applicable_items(get(kind, version), profile))


