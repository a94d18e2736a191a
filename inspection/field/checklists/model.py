"""What a checklist file may say: items, sections, versions, and the item catalogue with jurisdiction.

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
    pre_lease       FCZ items checked in the pre-lease inspection of 先验后批 (``hazards.leasing``), a local practice

A catalogue item has no ``legal_basis`` of its own: the printed basis is derived (duty, then grading). Version 1
files predate the catalogue; their items keep their printed ``legal_basis``, and their departments and advisory
flag are those of the same code in the catalogue (the same code is the same check), or of its retirement.

Retiring (``retired`` of a version): a code whose meaning changes is retired and the new meaning gets a new
code, so statistics by item code never merge two different checks. A retired code is never used again, and
every code of a version appears in the next version or is retired by it.
"""

import hashlib
import json
from collections import Counter
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from inspection.field.checklists.conditions import Condition, EnterpriseProfile, Party, check_condition, holds
from schemas.enums import ChecklistKind, HazardLevel

# the enforcing departments (执法主体) an item may name: the codes departments carry in the database
DEPARTMENT_CODES: tuple[str, ...] = ("应急", "消防", "住建", "市监")


UNVERIFIED_MARK = "（条款待核实）"


class ChecklistError(Exception):
    """A checklist file is missing, malformed or inconsistent."""



class UnknownChecklist(KeyError):
    """No checklist of that kind (and version) is loaded."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown checklist"



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
    pre_lease: bool = False  # asked in the pre-lease inspection (先验后批); FCZ items only

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
    if kind != ChecklistKind.FCZ and item.pre_lease:
        raise ValueError(f"{item.code}: pre_lease is only for FCZ items")

