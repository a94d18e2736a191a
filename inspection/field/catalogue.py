"""The checklist catalogue for reading: kinds with their versions, and one version's items with jurisdiction."""

from inspection.errors import NotFound
from inspection.field import checklists
from inspection.field.checklists import Basis, Checklist, ChecklistItem
from schemas.checklists import (
    CatalogueItem,
    CatalogueSection,
    ChecklistKindOut,
    ChecklistOut,
    ChecklistVersionOut,
    LegalBasis,
    RetiredItem,
)


def overview() -> list[ChecklistKindOut]:
    """Every kind with its versions, oldest first, and the one new visits get."""
    out = []
    for kind in checklists.kinds():
        current = checklists.latest(kind)
        versions = [checklists.get(kind, version) for version in checklists.versions(kind)]
        out.append(ChecklistKindOut(
            kind=current.kind, title=current.title, current_version=current.version,
            versions=[ChecklistVersionOut(version=c.version, title=c.title, effective_date=c.effective_date,
                                          items=len(c.items), current=c.version == current.version)
                      for c in versions]))
    return out


def checklist(kind: str, version: int | None = None) -> ChecklistOut:
    """One version (the current one by default) with every item; unknown kind or version: NotFound."""
    try:
        found = checklists.get(kind, version)
    except checklists.UnknownChecklist:
        what = f"{kind} 第{version}版" if version is not None else kind
        raise NotFound(f"检查表不存在：{what} / no such checklist", code="unknown_checklist") from None
    return ChecklistOut(
        kind=found.kind, version=found.version, current=found.version == checklists.latest(kind).version,
        title=found.title, effective_date=found.effective_date, catalogue=_in_catalogue(found),
        sections=[CatalogueSection(code=s.code, title=s.title, items=[_item(i) for i in s.items])
                  for s in found.sections],
        retired=[RetiredItem(code=r.code, reason=r.reason, replaced_by=r.replaced_by, departments=list(r.departments))
                 for r in found.retired],
    )


def _in_catalogue(found: Checklist) -> bool:
    return all(item.in_catalogue for item in found.items)


def _basis(basis: Basis | None) -> LegalBasis | None:
    return None if basis is None else LegalBasis(citation=basis.citation, verified=basis.verified, note=basis.note)


def _item(item: ChecklistItem) -> CatalogueItem:
    where = checklists.jurisdiction(item)
    return CatalogueItem(
        code=item.code, text=item.text, gloss=item.gloss, level=item.level, major_if=item.major_if,
        deadline_days=item.deadline_days, photo_required=item.photo_required, applies_if=item.applies_if,
        party=item.party, departments=list(where.departments), advisory=where.advisory,
        duty_basis=[LegalBasis(citation=b.citation, verified=b.verified, note=b.note) for b in item.duty_basis],
        grading_basis=_basis(item.grading_basis), legal_basis=item.legal_basis, revision=item.revision,
    )
