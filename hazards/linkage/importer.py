"""Registration events from a CSV file (the approving side's export): every row checked and received, then all kept
or none. The same services as the API; rows without a time zone are Asia/Shanghai."""

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from hazards.linkage import events
from inspection.clock import SHANGHAI
from inspection.errors import DomainError
from inspection.identity.access import Actor, require_role
from inspection.registry.importer import RowProblem, read_rows
from schemas.enums import Role
from schemas.linkage import GasEventIn, GasEventResult

HEADERS: dict[str, str] = {
    "事件编号": "event_id", "event_id": "event_id",
    "类型": "kind", "事项": "kind", "kind": "kind",
    "登记时间": "registered_at", "registered_at": "registered_at",
    "统一社会信用代码": "credit_code", "信用代码": "credit_code", "credit_code": "credit_code",
    "企业名称": "name", "名称": "name", "name": "name",
    "地址": "address", "address": "address",
    "街道": "street", "所属街道": "street", "street": "street",
    "行业": "industry", "industry": "industry",
    "气源": "gas_supply", "gas_supply": "gas_supply",
    "许可证号": "licence_no", "执照号": "licence_no", "licence_no": "licence_no",
    "联系人": "contact_name", "contact_name": "contact_name",
    "联系电话": "contact_phone", "contact_phone": "contact_phone",
}
KIND_WORDS = {"新办营业执照": "new_licence", "新办": "new_licence", "用气变更": "gas_use_change",
              "变更": "gas_use_change", "新增瓶装液化气用户": "lpg_user", "瓶装液化气": "lpg_user"}
SUPPLY_WORDS = {"管道": "pipeline", "管道燃气": "pipeline", "液化气": "lpg", "瓶装液化气": "lpg", "两者": "both"}


@dataclass
class EventImport:
    rows: int = 0
    results: list[GasEventResult] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _registered(value: str) -> str | datetime:
    try:
        moment = datetime.fromisoformat(value.replace("/", "-"))
    except ValueError:
        return value  # validation names it
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def _event(row: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for header, value in row.items():
        name = HEADERS.get((header or "").strip(), HEADERS.get((header or "").strip().lower()))
        if name is None or value is None or str(value).strip() == "":
            continue
        text = str(value).strip()
        if name == "kind":
            text = KIND_WORDS.get(text, text)
        elif name == "gas_supply":
            text = SUPPLY_WORDS.get(text, text)
        data[name] = _registered(text) if name == "registered_at" else text
    return data


def import_file(session: Session, path: Path, *, source: str, actor: Actor, now: datetime,
                policy: events.LinkagePolicy) -> EventImport:
    """Receive every row as an event of ``source``; the caller commits only when ``ok`` (and not a dry run)."""
    require_role(actor, Role.OFFICE, Role.ADMIN, action="import registration events")
    report = EventImport()
    for line, row in enumerate(read_rows(path), start=2):
        data = _event(row)
        if not data:
            continue
        report.rows += 1
        try:
            event = GasEventIn.model_validate(data)
        except ValidationError as exc:
            report.problems.extend(RowProblem(line, str(err["loc"][0]) if err["loc"] else "", err["msg"])
                                   for err in exc.errors())
            continue
        try:
            report.results.append(events.receive(session, event, source=source, via="csv", actor=actor, now=now,
                                                 policy=policy))
        except DomainError as exc:
            report.problems.append(RowProblem(line, exc.code, exc.message))
    return report
