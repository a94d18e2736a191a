"""Inspection checklists (DUST, FCZ, GAS) as versioned data files, and the rules for when an item applies.

Each checklist lives in ``inspection/field/checklists/<KIND>.v<N>.json``. A published version is never edited;
a change means a new file with the next version, so a visit can point at the exact wording it was checked
against: each department of a visit pins the version of each kind when it joins
(``VisitDepartment.checklist_versions``; ``Checklist.content_hash`` identifies the content). Item codes
(``DUST-07``) are stable across versions; new items take the next free number, at the end of their section.

Condition language (an item's ``applies_if``; ``null`` means "every enterprise the checklist applies to").
A condition is a JSON object with exactly one key:

    {"dust_kind_in": [...]}    profile.dust_kind is one of: aluminium_magnesium, other_metal, wood, grain,
                               plastic, textile, other
    {"gas_supply_in": [...]}   the profile's gas is one of: pipeline, lpg (gas_supply "both" matches either)
    {"gas_role_in": [...]}     profile.gas_role is one of: user, operator
    {"industry_in": [...]}     profile.industry is one of INDUSTRIES
    {"plant_role_in": [...]}   profile.plant_role is one of: landlord, tenant
    {"lessor_industry_in": [...]}  the industry of the site's lessor (the enterprise itself when it is the
                               landlord) is one of INDUSTRIES; None outside a rented site
    {"all": [cond, ...]}       every sub-condition holds
    {"any": [cond, ...]}       at least one sub-condition holds

Lists are non-empty and hold known values only; anything else makes the file fail to load. A profile value
of ``None`` matches no list. On top of ``applies_if``, an item applies only if its checklist kind applies to
the profile (``applicable_kinds``), and an FCZ item's ``party`` must fit the profile's plant role.

The item catalogue (from version 2 of each checklist). Every item names who enforces it and on what:

    departments     the enforcing departments (执法主体), codes of DEPARTMENT_CODES; a check two departments
                    make (exits: 应急 and 消防) is one item listing both, never two items
    duty_basis      the articles stating the obligation breached: [{"citation", "verified", "note"}]; an
                    article REFERENCE marks unverified carries ``"verified": false`` and prints "（条款待核实）"
    grading_basis   for an item that can be major: the article grading it major (令第10号, the gas standard, …)
    major_if        a condition under which a ``general`` item is graded major (FCZ-02: the lessor is itself a
                    工贸 enterprise); its grading_basis applies only then
    advisory        the only basis is a campaign list or a local rule without an article: recorded and advised
                    to the enterprise, never put on an order
    revision        what changed since the previous version, and why

A catalogue item has no ``legal_basis`` of its own: the printed basis is derived (duty, then grading). Version 1
files predate the catalogue; their items keep their printed ``legal_basis``, and their departments and advisory
flag are those of the same code in the catalogue (the same code is the same check), or of its retirement.

Retiring (``retired`` of a version): a code whose meaning changes is retired and the new meaning gets a new
code, so statistics by item code never merge two different checks. A retired code is never used again, and
every code of a version appears in the next version or is retired by it.
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
        "glass_ceramics",
        "logistics",
        "retail",
        "other",
    }
)
# 工贸 industries (冶金、有色、建材、机械、轻工、纺织、烟草、商贸) among INDUSTRIES: chemical firms and catering are not
# 工贸 enterprises; "other" is not assumed to be one
INDUSTRIAL_TRADE: frozenset[str] = frozenset(
    {"food", "woodworking", "metal_processing", "machinery", "plastics", "textile", "glass_ceramics", "logistics",
     "retail"}
)
PLANT_ROLES: frozenset[str] = frozenset({"landlord", "tenant"})
# the enforcing departments (执法主体) an item may name: the codes departments carry in the database
DEPARTMENT_CODES: tuple[str, ...] = ("应急", "消防", "住建", "市监")
UNVERIFIED_MARK = "（条款待核实）"
CONDITION_VALUES: dict[str, frozenset[str]] = {
    "dust_kind_in": DUST_KINDS,
    "gas_supply_in": GAS_SUPPLIES - {GasSupply.BOTH.value},
    "gas_role_in": GAS_ROLES,
    "industry_in": INDUSTRIES,
    "plant_role_in": PLANT_ROLES,
    "lessor_industry_in": INDUSTRIES,
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
    lessor_industry: str | None = None  # the site landlord's industry (its own when it is the landlord)

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


class Basis(BaseModel):
    """One citation: a law, regulation or standard and its article or clause."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    citation: str = Field(min_length=1)
    verified: bool = True  # False: REFERENCE marks it unverified (✘); printed with UNVERIFIED_MARK, never as law
    note: str | None = None

    @property
    def printed(self) -> str:
        return self.citation if self.verified else f"{self.citation}{UNVERIFIED_MARK}"


class ChecklistItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z]+-[0-9]{2,3}$")
    text: str = Field(min_length=1)
    gloss: str = Field(min_length=1)
    legal_basis: str = ""  # written in version 1; a catalogue item's is derived (duty, then grading if major)
    level: HazardLevel
    deadline_days: int = Field(ge=0, le=365)  # 0 = fix on the spot / stop now
    photo_required: bool
    applies_if: Condition | None
    party: Party | None  # FCZ only: whose duty the item is about
    departments: tuple[str, ...] = ()
    duty_basis: tuple[Basis, ...] = ()
    grading_basis: Basis | None = None
    major_if: Condition | None = None
    advisory: bool = False
    revision: str | None = None

    @field_validator("applies_if", "major_if")
    @classmethod
    def _valid_condition(cls, value: Condition | None) -> Condition | None:
        if value is not None:
            check_condition(value)
        return value

    @model_validator(mode="after")
    def _catalogue_entry(self) -> "ChecklistItem":
        if not self.in_catalogue:
            if self.duty_basis or self.grading_basis or self.major_if or self.advisory or self.revision:
                raise ValueError(f"{self.code}: an item with a legal basis or grading names its departments")
            if not self.legal_basis:
                raise ValueError(f"{self.code}: an item needs departments and a duty_basis (or, in version 1, "
                                 f"a legal_basis)")
            return self
        _check_departments(self.code, self.departments)
        if not self.duty_basis:
            raise ValueError(f"{self.code}: a catalogue item needs a duty_basis (the article stating the duty)")
        if self.major_if is not None and self.level == HazardLevel.MAJOR:
            raise ValueError(f"{self.code}: major_if is for general items that are major only under a condition")
        if self.can_be_major and self.grading_basis is None:
            raise ValueError(f"{self.code}: a major item needs a grading_basis (the article grading it major)")
        if not self.can_be_major and self.grading_basis is not None:
            raise ValueError(f"{self.code}: grading_basis is only for items that can be major")
        derived = self.basis_text()
        if self.legal_basis and self.legal_basis != derived:
            raise ValueError(f"{self.code}: legal_basis is derived from duty_basis and grading_basis; "
                             f"leave it out of a catalogue item")
        object.__setattr__(self, "legal_basis", derived)  # frozen: set once, while validating
        return self

    def __hash__(self) -> int:  # applies_if is a dict; the code identifies an item within its checklist
        return hash(self.code)

    @property
    def kind(self) -> str:
        return self.code.split("-", 1)[0]

    @property
    def in_catalogue(self) -> bool:
        """Whether the item carries its jurisdiction (version 2 on); version 1 items do not."""
        return bool(self.departments)

    @property
    def is_major(self) -> bool:
        return self.level == HazardLevel.MAJOR

    @property
    def can_be_major(self) -> bool:
        return self.is_major or self.major_if is not None

    def major_for(self, profile: "EnterpriseProfile") -> bool:
        """Whether the item is graded major for this enterprise (a ``major_if`` item only when it holds)."""
        return self.is_major or (self.major_if is not None and holds(self.major_if, profile))

    def basis_text(self, *, major: bool | None = None) -> str:
        """The printed legal basis: the duty breached, then (for a major) the grading article."""
        if not self.in_catalogue:
            return self.legal_basis
        graded = self.is_major if major is None else major
        parts = [basis.printed for basis in self.duty_basis]
        if graded and self.grading_basis is not None:
            parts.append(self.grading_basis.printed)
        return "；".join(parts)


def _check_departments(code: str, departments: tuple[str, ...]) -> None:
    unknown = [d for d in departments if d not in DEPARTMENT_CODES]
    if unknown:
        raise ValueError(f"{code}: unknown department code(s) {unknown}; known: {', '.join(DEPARTMENT_CODES)}")
    if len(set(departments)) != len(departments):
        raise ValueError(f"{code}: a department is listed twice")


class Retired(BaseModel):
    """A code retired by a version: its meaning changed or it was withdrawn; never used again."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z]+-[0-9]{2,3}$")
    reason: str = Field(min_length=1)
    replaced_by: str | None = None
    departments: tuple[str, ...] = Field(min_length=1)  # who enforced it, for the versions that still have it
    advisory: bool = False

    @model_validator(mode="after")
    def _known_departments(self) -> "Retired":
        _check_departments(self.code, self.departments)
        return self


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
    retired: tuple[Retired, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> "Checklist":
        _check_codes(self.kind, [section.code for section in self.sections], what="section")
        _check_codes(self.kind, [item.code for item in self.items], what="item")
        for item in self.items:
            _check_party(self.kind, item)
        if len({item.in_catalogue for item in self.items}) > 1:
            raise ValueError("either every item names its departments and legal basis, or none does (version 1)")
        retired = [entry.code for entry in self.retired]
        _check_codes(self.kind, retired, what="retired")
        if clash := sorted(set(retired) & {item.code for item in self.items}):
            raise ValueError(f"retired code(s) {clash} are still items of this version")
        for entry in self.retired:
            if entry.replaced_by is not None and self.item(entry.replaced_by) is None:
                raise ValueError(f"{entry.code} is replaced by {entry.replaced_by}, which is not an item here")
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
            self.model_dump(mode="json", exclude_defaults=True), ensure_ascii=False, sort_keys=True,
            separators=(",", ":")
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
    _check_history({key: checklist for key, (_, checklist) in found.items()},
                   {key: path.name for key, (path, _) in found.items()})
    return {key: checklist for key, (_, checklist) in found.items()}


def _check_history(loaded: Mapping[tuple[str, int], Checklist], names: Mapping[tuple[str, int], str]) -> None:
    """Across the versions of a kind: a retired code is never used again, and no code disappears unretired."""
    for kind in {kind for kind, _ in loaded}:
        versions = sorted(version for loaded_kind, version in loaded if loaded_kind == kind)
        seen: set[str] = set()
        retired: dict[str, int] = {}
        previous: set[str] = set()
        for version in versions:
            checklist, name = loaded[(kind, version)], names[(kind, version)]
            codes = {item.code for item in checklist.items}
            if reused := sorted(code for code in codes if code in retired):
                raise ChecklistError(f"{name}: retired code(s) {reused} reused (retired in "
                                     f"v{retired[reused[0]]}); a changed check gets a new code")
            for entry in checklist.retired:
                if entry.code in retired:
                    raise ChecklistError(f"{name}: {entry.code} was already retired in v{retired[entry.code]}")
                if entry.code not in seen:
                    raise ChecklistError(f"{name}: retires {entry.code}, which no earlier version has")
                if entry.replaced_by is not None and entry.replaced_by in seen:
                    raise ChecklistError(f"{name}: {entry.code} is replaced by {entry.replaced_by}, an existing "
                                         f"code; a replacement gets a new code")
                retired[entry.code] = version
            if dropped := sorted(previous - codes - {entry.code for entry in checklist.retired}):
                raise ChecklistError(f"{name}: code(s) {dropped} of the previous version are neither kept nor "
                                     f"retired")
            seen |= codes
            previous = codes


def kinds() -> list[str]:
    """The checklist kinds that are loaded, in the order DUST, FCZ, GAS."""
    present = {kind for kind, _ in load_all()}
    return [kind for kind in KIND_ORDER if kind in present]


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
    return any(applicable(kind, latest(kind).version, profile) for kind in kinds)


@functools.lru_cache(maxsize=1024)
def applicable(kind: str, version: int, profile: EnterpriseProfile) -> tuple[ChecklistItem, ...]:
    """The items of a packaged checklist version that apply to ``profile``; memoised, since the packaged
    checklists load once and a profile is a frozen value (every submission asks this for its pinned version)."""
    return tuple(applicable_items(get(kind, version), profile))


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
    "lessor_industry_in": lambda profile, values: profile.lessor_industry in values,
}
