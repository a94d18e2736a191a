"""Inspection checklists (DUST, FCZ, GAS) as versioned data files, and the rules for when an item applies.

Each checklist lives in ``inspection/checklists/<KIND>.v<N>.json``. A published version is never edited; a
change means a new file with the next version, so a visit can point at the exact wording it was checked
against (``Checklist.content_hash`` pins it). Item codes (``DUST-07``) are stable across versions; new items
go at the end.

Condition language (an item's ``applies_if``; ``null`` means "every enterprise the checklist applies to").
A condition is a JSON object with exactly one key:

    {"dust_kind_in": [...]}    profile.dust_kind is one of: aluminium_magnesium, other_metal, wood, grain,
                               plastic, textile, other
    {"gas_supply_in": [...]}   the profile's gas is one of: pipeline, lpg (gas_supply "both" matches either)
    {"gas_role_in": [...]}     profile.gas_role is one of: user, operator
    {"industry_in": [...]}     profile.industry is one of INDUSTRIES
    {"plant_role_in": [...]}   profile.plant_role is one of: landlord, tenant
    {"all": [cond, ...]}       every sub-condition holds
    {"any": [cond, ...]}       at least one sub-condition holds

Lists are non-empty and hold known values only; anything else makes the file fail to load. A profile value
of ``None`` matches no list. On top of ``applies_if``, an item applies only if its checklist kind applies to
the profile (``applicable_kinds``), and an FCZ item's ``party`` must fit the profile's plant role.
"""

import functools
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from schemas.enums import ChecklistKind, DustKind, GasRole, GasSupply, HazardLevel

DEFAULT_DIRECTORY = Path(__file__).with_name("checklists")
KIND_ORDER: tuple[str, ...] = ("DUST", "FCZ", "GAS")
DUST_KINDS: frozenset[str] = frozenset(kind.value for kind in DustKind)
GAS_SUPPLIES: frozenset[str] = frozenset(supply.value for supply in GasSupply)
GAS_ROLES: frozenset[str] = frozenset(role.value for role in GasRole)
INDUSTRIES: frozenset[str] = frozenset(
    {
        "catering",
        "food",
        "woodworking",
        "metal_processing",
        "machinery",
        "plastics",
        "textile",
        "chemical",
        "logistics",
        "retail",
        "other",
    }
)
PLANT_ROLES: frozenset[str] = frozenset({"landlord", "tenant"})
CONDITION_VALUES: dict[str, frozenset[str]] = {
    "dust_kind_in": DUST_KINDS,
    "gas_supply_in": GAS_SUPPLIES - {GasSupply.BOTH.value},
    "gas_role_in": GAS_ROLES,
    "industry_in": INDUSTRIES,
    "plant_role_in": PLANT_ROLES,
}
COMBINATORS: frozenset[str] = frozenset({"all", "any"})
CONDITION_KEYS: frozenset[str] = frozenset(CONDITION_VALUES) | COMBINATORS
_FILE_NAME = re.compile(r"^(?P<kind>[A-Z]+)\.v(?P<version>[1-9][0-9]*)\.json$")

Condition = dict[str, Any]
Party = Literal["landlord", "tenant", "both"]


class ChecklistError(Exception):
    """A checklist file is missing, malformed or inconsistent."""


class UnknownChecklist(KeyError):
    """No checklist of that kind (and version) is loaded."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown checklist"


@dataclass(frozen=True)
class EnterpriseProfile:
    """What the applicability rules need to know about an enterprise."""

    dust_involved: bool = False
    dust_kind: str | None = None
    gas_user: bool = False
    gas_supply: str | None = None  # "pipeline", "lpg" or "both"
    gas_role: str = GasRole.USER.value
    industry: str = "other"  # free text; conditions can only name INDUSTRIES
    plant_role: str | None = None  # "landlord", "tenant" or None (not in a rented site)

    def __post_init__(self) -> None:
        _check_choice("dust_kind", self.dust_kind, DUST_KINDS, optional=True)
        _check_choice("gas_supply", self.gas_supply, GAS_SUPPLIES, optional=True)
        _check_choice("gas_role", self.gas_role, GAS_ROLES, optional=False)
        _check_choice("plant_role", self.plant_role, PLANT_ROLES, optional=True)


def _check_choice(name: str, value: str | None, allowed: frozenset[str], *, optional: bool) -> None:
    if value is None and optional:
        return
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not one of {sorted(allowed)}")


def check_condition(condition: Any) -> None:
    """Raise ValueError unless ``condition`` is a well-formed condition (see the module docstring)."""
    if not isinstance(condition, Mapping) or len(condition) != 1:
        raise ValueError(f"a condition must be an object with exactly one key, got {condition!r}")
    ((key, value),) = condition.items()
    if key not in CONDITION_KEYS:
        raise ValueError(f"unknown condition key {key!r}; known keys: {', '.join(sorted(CONDITION_KEYS))}")
    if not isinstance(value, list) or not value:
        raise ValueError(f"condition {key!r} needs a non-empty list, got {value!r}")
    if key in COMBINATORS:
        for sub in value:
            check_condition(sub)
        return
    unknown = [v for v in value if not isinstance(v, str) or v not in CONDITION_VALUES[key]]
    if unknown:
        raise ValueError(
            f"condition {key!r}: unknown value(s) {unknown}; "
            f"allowed: {', '.join(sorted(CONDITION_VALUES[key]))}"
        )


class ChecklistItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z]+-[0-9]{2,3}$")
    text: str = Field(min_length=1)
    gloss: str = Field(min_length=1)
    legal_basis: str = Field(min_length=1)
    level: HazardLevel
    deadline_days: int = Field(ge=0, le=365)  # 0 = fix on the spot / stop now
    photo_required: bool
    applies_if: Condition | None
    party: Party | None  # FCZ only: whose duty the item is about

    @field_validator("applies_if")
    @classmethod
    def _valid_condition(cls, value: Condition | None) -> Condition | None:
        if value is not None:
            check_condition(value)
        return value

    def __hash__(self) -> int:  # applies_if is a dict; the code identifies an item within its checklist
        return hash(self.code)

    @property
    def kind(self) -> str:
        return self.code.split("-", 1)[0]

    @property
    def is_major(self) -> bool:
        return self.level == HazardLevel.MAJOR


class ChecklistSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z]+-[A-Z]$")
    title: str = Field(min_length=1)
    items: tuple[ChecklistItem, ...] = Field(min_length=1)


class Checklist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ChecklistKind
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    effective_date: date
    sections: tuple[ChecklistSection, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> "Checklist":
        _check_codes(self.kind, [section.code for section in self.sections], what="section")
        _check_codes(self.kind, [item.code for item in self.items], what="item")
        for item in self.items:
            _check_party(self.kind, item)
        return self

    @property
    def items(self) -> list[ChecklistItem]:
        return [item for section in self.sections for item in section.items]

    def item(self, code: str) -> ChecklistItem | None:
        return next((item for item in self.items if item.code == code), None)

    @property
    def content_hash(self) -> str:
        """sha256 of the canonical JSON: the same content gives the same hash whatever the file layout."""
        canonical = json.dumps(
            self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _check_codes(kind: str, codes: list[str], *, what: str) -> None:
    wrong = [code for code in codes if not code.startswith(f"{kind}-")]
    if wrong:
        raise ValueError(f"{what} code(s) {wrong} do not start with {kind}-")
    duplicates = sorted(code for code, count in Counter(codes).items() if count > 1)
    if duplicates:
        raise ValueError(f"duplicate {what} code(s) {duplicates}")


def _check_party(kind: str, item: ChecklistItem) -> None:
    if kind == ChecklistKind.FCZ and item.party is None:
        raise ValueError(f"{item.code}: FCZ items need a party (landlord, tenant or both)")
    if kind != ChecklistKind.FCZ and item.party is not None:
        raise ValueError(f"{item.code}: party is only for FCZ items")


# Loading -----


def load_file(path: Path) -> Checklist:
    """Load and validate one checklist file; any problem raises ChecklistError naming the file."""
    match = _FILE_NAME.match(path.name)
    if match is None:
        raise ChecklistError(f"{path.name}: file name must look like KIND.vN.json (e.g. DUST.v1.json)")
    try:
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ChecklistError(f"{path.name}: cannot read the file: {exc}") from exc
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise ChecklistError(f"{path.name}: not valid JSON: {exc.msg} at {where}") from exc
    try:
        checklist = Checklist.model_validate_json(text, strict=True)
    except ValidationError as exc:
        raise ChecklistError(f"{path.name}: {_explain(exc, raw)}") from exc
    named = (match["kind"], int(match["version"]))
    if named != (checklist.kind, checklist.version):
        raise ChecklistError(
            f"{path.name}: the file name says {named[0]} v{named[1]} "
            f"but the content says {checklist.kind.value} v{checklist.version}"
        )
    return checklist


def _explain(error: ValidationError, raw: Any) -> str:
    problems = [f"{_where(problem['loc'], raw)}: {problem['msg']}" for problem in error.errors()]
    return "; ".join(problems)


def _where(loc: tuple[int | str, ...], raw: Any) -> str:
    """Turn a pydantic location into 'sections[1].items[4] (DUST-06).applies_if'."""
    parts: list[str] = []
    node = raw
    for step in loc:
        parts.append(f"[{step}]" if isinstance(step, int) else f".{step}")
        node = _child(node, step)
        if isinstance(node, Mapping) and isinstance(node.get("code"), str) and isinstance(step, int):
            parts.append(f" ({node['code']})")
    return "".join(parts).lstrip(".") or "checklist"


def _child(node: Any, step: int | str) -> Any:
    if isinstance(node, Mapping):
        return node.get(step)
    if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
        return node[step]
    return None


def load_all(directory: Path | None = None) -> dict[tuple[str, int], Checklist]:
    """Every checklist in ``directory`` (default: the packaged files, loaded once) by (kind, version)."""
    if directory is None:
        return dict(_load_default())
    return _load_directory(directory)


@functools.cache
def _load_default() -> dict[tuple[str, int], Checklist]:
    return _load_directory(DEFAULT_DIRECTORY)


def _load_directory(directory: Path) -> dict[tuple[str, int], Checklist]:
    if not directory.is_dir():
        raise ChecklistError(f"{directory}: checklist directory not found")
    found: dict[tuple[str, int], tuple[Path, Checklist]] = {}
    for path in sorted(directory.glob("*.json")):
        checklist = load_file(path)
        key = (checklist.kind.value, checklist.version)
        if key in found:
            earlier = found[key][0].name
            raise ChecklistError(f"{path.name}: {key[0]} v{key[1]} is already defined by {earlier}")
        found[key] = (path, checklist)
    if not found:
        raise ChecklistError(f"{directory}: no checklist files (KIND.vN.json)")
    return {key: checklist for key, (_, checklist) in found.items()}


def kinds() -> list[str]:
    """The checklist kinds that are loaded, in the order DUST, FCZ, GAS."""
    present = {kind for kind, _ in load_all()}
    return [kind for kind in KIND_ORDER if kind in present]


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


# Applicability -----


def applicable_kinds(profile: EnterpriseProfile) -> list[str]:
    """Which checklists an enterprise gets: dust -> DUST, rented site -> FCZ, gas -> GAS (in that order)."""
    in_rented_site = profile.plant_role in PLANT_ROLES
    wanted = {"DUST": profile.dust_involved, "FCZ": in_rented_site, "GAS": profile.gas_user}
    return [kind for kind in KIND_ORDER if wanted[kind]]


def applies(item: ChecklistItem, profile: EnterpriseProfile) -> bool:
    if item.kind not in applicable_kinds(profile):
        return False
    if not _party_fits(item.party, profile.plant_role):
        return False
    return item.applies_if is None or holds(item.applies_if, profile)


def applicable_items(checklist: Checklist, profile: EnterpriseProfile) -> list[ChecklistItem]:
    return [item for item in checklist.items if applies(item, profile)]


def asks_anything(kinds: Iterable[str], profile: EnterpriseProfile) -> bool:
    """Whether these checklist kinds leave at least one item to ask this enterprise: a visit without one could
    never be submitted (a submission answers every asked item, and answers nothing with no results)."""
    return any(latest_applicable(kind, profile)[1] for kind in kinds)


@functools.lru_cache(maxsize=1024)
def latest_applicable(kind: str, profile: EnterpriseProfile) -> tuple[int, tuple[ChecklistItem, ...]]:
    """(version, items) of the latest packaged checklist of ``kind`` that apply to ``profile``; memoised, since
    the packaged checklists load once and a profile is a frozen value (every submission asks this)."""
    checklist = latest(kind)
    return checklist.version, tuple(applicable_items(checklist, profile))


def _party_fits(party: Party | None, plant_role: str | None) -> bool:
    if party is None:
        return True
    if party == "both":
        return plant_role in PLANT_ROLES
    return party == plant_role


def holds(condition: Condition, profile: EnterpriseProfile) -> bool:
    """Evaluate a (validated) condition against a profile."""
    ((key, value),) = condition.items()
    if key == "all":
        return all(holds(sub, profile) for sub in value)
    if key == "any":
        return any(holds(sub, profile) for sub in value)
    return _LEAF_TESTS[key](profile, frozenset(value))


def _gas_supplies(profile: EnterpriseProfile) -> frozenset[str]:
    if profile.gas_supply == GasSupply.BOTH:
        return frozenset({GasSupply.PIPELINE.value, GasSupply.LPG.value})
    return frozenset({profile.gas_supply}) if profile.gas_supply else frozenset()


_LEAF_TESTS: dict[str, Callable[[EnterpriseProfile, frozenset[str]], bool]] = {
    "dust_kind_in": lambda profile, values: profile.dust_kind in values,
    "gas_supply_in": lambda profile, values: bool(_gas_supplies(profile) & values),
    "gas_role_in": lambda profile, values: profile.gas_role in values,
    "industry_in": lambda profile, values: profile.industry in values,
    "plant_role_in": lambda profile, values: profile.plant_role in values,
}
