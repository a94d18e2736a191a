"""The checklist catalogue: which checklists exist, and every item with its legal basis and jurisdiction."""

from typing import Annotated

from fastapi import APIRouter, Query

from inspection.field import catalogue
from schemas.checklists import ChecklistKindOut, ChecklistOut
from server.auth import CurrentActor

router = APIRouter(tags=["checklists"])


@router.get("/checklists", response_model=list[ChecklistKindOut])
def list_checklists(actor: CurrentActor) -> list[ChecklistKindOut]:
    """Each checklist kind with its versions; `current_version` is the one new visits are pinned to."""
    return catalogue.overview()


@router.get("/checklists/{kind}", response_model=ChecklistOut)
def read_checklist(kind: str, actor: CurrentActor,
                   version: Annotated[int | None, Query(ge=1, le=999)] = None) -> ChecklistOut:
    """Every item of one version (the current one without `?version=`): text, level, duty and grading basis,
    enforcing departments, advisory flag, applicability condition and default deadline."""
    return catalogue.checklist(kind, version)
