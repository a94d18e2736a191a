"""燃气"审管联动": the approving side's signed registration events, and what the office sees of them."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from hazards.linkage import board as linkage_board
from hazards.linkage import events
from hazards.linkage.signatures import BadSignature, verify
from inspection.types import utcnow
from schemas.common import Id, Offset, Page
from schemas.linkage import GasEventIn, GasEventResult, GasEventRow, LinkageBoard
from server.auth import CurrentActor
from server.db import SessionDep, writing
from server.errors import error_json
from server.jobs.programs import linkage_policy, linkage_sources
from server.settings import get_settings

router = APIRouter(tags=["linkage"])

EVENT_SCHEMA = GasEventIn.model_json_schema()
assert "$defs" not in EVENT_SCHEMA  # inlined in the operation below: plain fields only


async def raw_body(request: Request) -> bytes:
    return await request.body()


@router.post(
    "/linkage/gas-events", response_model=GasEventResult, status_code=201,
    responses={200: {"model": GasEventResult, "description": "a replay: the first answer, nothing changed"}},
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": EVENT_SCHEMA}}}},
)
def receive_gas_event(
    response: Response,
    raw: Annotated[bytes, Depends(raw_body)],
    x_xuncha_source: Annotated[str, Header(min_length=1, max_length=32)],
    x_xuncha_timestamp: Annotated[str, Header(min_length=1, max_length=20)],
    x_xuncha_signature: Annotated[str, Header(min_length=1, max_length=160)],
) -> GasEventResult | JSONResponse:
    """A registration from the approving side (no login: each source signs). Headers: `X-Xuncha-Source` (its code),
    `X-Xuncha-Timestamp` (unix seconds, within `XUNCHA_LINKAGE_SIGNATURE_WINDOW_SECONDS` of now) and
    `X-Xuncha-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + body with the source's secret>` (401 otherwise).
    201 with the enterprise and the GAS task; a second delivery of the same event id answers 200 with the first
    result (`Idempotent-Replay: true`); the same id with other content 409; a bad credit code 422."""
    now = utcnow()
    settings = get_settings()
    try:
        source = verify(linkage_sources(settings), source=x_xuncha_source, timestamp=x_xuncha_timestamp,
                        signature=x_xuncha_signature, body=raw, now=now,
                        window_seconds=settings.linkage_signature_window_seconds)
    except BadSignature as exc:
        return error_json(401, exc.code, exc.message, exc.details)
    try:
        event = GasEventIn.model_validate_json(raw)
    except ValidationError as exc:
        problems = [{"loc": ["body", *map(str, err["loc"])], "message": err["msg"], "type": err["type"]}
                    for err in exc.errors()]
        return error_json(422, "invalid", "请求数据不合法 / invalid request", problems)
    try:
        with writing() as session:
            result = events.receive(session, event, source=source.code, via="api", actor=None, now=now,
                                    policy=linkage_policy(settings))
            session.commit()
    except IntegrityError:  # the same event delivered twice at once: the other delivery's answer stands
        with writing() as session:
            result = events.receive(session, event, source=source.code, via="api", actor=None, now=now,
                                    policy=linkage_policy(settings))
        if not result.replay:
            raise
    if result.replay:
        response.status_code = 200
        response.headers["Idempotent-Replay"] = "true"
    return result


@router.get("/linkage/gas-events", response_model=Page[GasEventRow])
def list_gas_events(
    session: SessionDep,
    actor: CurrentActor,
    state: Literal["inspected", "backlog", "overdue", "cancelled"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> Page[GasEventRow]:
    """Registrations received and what became of them (inspectors: their department's)."""
    rows, total = linkage_board.listing(session, actor=actor, now=utcnow(), state=state, limit=limit, offset=offset)
    return Page(items=rows, total=total, limit=limit, offset=offset)


@router.get("/linkage/gas-events/{event_row_id}", response_model=GasEventRow)
def get_gas_event(event_row_id: Id, session: SessionDep, actor: CurrentActor) -> GasEventRow:
    return linkage_board.get(session, event_row_id, actor=actor, now=utcnow())


@router.get("/linkage/board", response_model=LinkageBoard)
def linkage_board_view(session: SessionDep, actor: CurrentActor,
                       limit: Annotated[int, Query(ge=1, le=200)] = 20) -> LinkageBoard:
    """Lead time from registration to first inspection, the backlog and the overdue registrations."""
    return linkage_board.board(session, actor=actor, now=utcnow(), limit=limit)
