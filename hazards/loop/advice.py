"""A visit's advice records: the 提示项 its parts failed (REFERENCE §G.1). Each is advice to the enterprise, shown
in its portal and printed on the 现场检查记录 with the basis the item cites; never a hazard, a deadline or an
order."""

from dataclasses import dataclass

from sqlmodel import Session

from hazards.loop import findings
from inspection.field import checklists, submissions
from inspection.models import Submission


@dataclass(frozen=True)
class Advice:
    item_code: str
    kind: str
    text: str
    basis: str  # what the item cites (a campaign list, a local rule without an article …)
    note: str  # what the inspector wrote
    department_id: int
    photo_ids: tuple[int, ...]


def of_part(session: Session, part: Submission) -> list[Advice]:
    """The advice in one part's current submission, in the order of its results."""
    results = submissions.results_of(session, part.id or 0)
    routes = findings.route(session, part, results)
    out = []
    for result in results:
        route = routes.get(result.item_code)
        if route is None or not route.advisory:
            continue
        item = checklists.get(result.kind, part.checklists.get(result.kind)).item(result.item_code)
        out.append(Advice(result.item_code, result.kind, item.text if item else result.item_code,
                          item.legal_basis if item else "", result.note, result.department_id,
                          tuple(result.photo_ids)))
    return out


def of_visit(session: Session, visit_id: int) -> list[Advice]:
    """Every part's advice, parts in the order they were submitted; a shared check once, as it stands (the
    answer of the part that answered it last)."""
    parts = submissions.current_submissions(session, visit_id)
    standing = {(r.submission_id, r.item_code) for r in submissions.standing_only(
        [r for part in parts for r in submissions.results_of(session, part.id or 0)])}
    return [a for part in parts for a in of_part(session, part) if (part.id, a.item_code) in standing]
