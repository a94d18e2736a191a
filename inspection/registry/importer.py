"""Bulk enterprise import from CSV or XLSX: validate every row first, then import all or nothing.

With ``update``, a row whose credit code is registered updates that enterprise instead of being refused: the cells
it fills replace the enterprise's values, empty cells leave them as they are, and the report says row by row what
changed (``RowChange``). Either way every row is checked first and nothing is written unless all are good; the
caller commits, or rolls back for a dry run."""

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from inspection import audit
from inspection.errors import DomainError
from inspection.identity.access import Actor
from inspection.models import Enterprise
from inspection.registry import creditcode
from inspection.registry import enterprises as enterprise_service
from schemas.enterprises import EnterpriseCreate, EnterpriseUpdate
from schemas.validation_messages import message_for

# header (Chinese or English) -> field
HEADERS: dict[str, str] = {
    "企业名称": "name", "名称": "name", "name": "name",
    "统一社会信用代码": "credit_code", "信用代码": "credit_code", "credit_code": "credit_code",
    "地址": "address", "address": "address",
    "街道": "street", "所属街道": "street", "street": "street",
    "纬度": "latitude", "latitude": "latitude",
    "经度": "longitude", "longitude": "longitude",
    "行业": "industry", "industry": "industry",
    "风险分类": "risk_class", "分类": "risk_class", "risk_class": "risk_class",
    "绿名单": "green_listed", "green_listed": "green_listed",
    "绿名单起": "green_valid_from", "green_valid_from": "green_valid_from",
    "绿名单止": "green_valid_to", "green_valid_to": "green_valid_to",
    "粉尘涉爆": "dust_involved", "dust_involved": "dust_involved",
    "粉尘种类": "dust_kind", "dust_kind": "dust_kind",
    "燃气用户": "gas_user", "gas_user": "gas_user",
    "气源": "gas_supply", "gas_supply": "gas_supply",
    "燃气角色": "gas_role", "gas_role": "gas_role",
    "联系人": "contact_name", "contact_name": "contact_name",
    "联系电话": "contact_phone", "contact_phone": "contact_phone",
}
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "有"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "", "无"}
BOOL_FIELDS = {"green_listed", "dust_involved", "gas_user"}


@dataclass(frozen=True)
class RowProblem:
    row: int  # 1-based line in the file, header is row 1
    column: str
    problem: str


@dataclass(frozen=True)
class RowChange:
    """What one row did: ``created``, ``updated`` (``fields``: name -> (before, after)) or ``unchanged``."""

    row: int
    credit_code: str
    name: str
    action: str
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Rows as dicts keyed by the file's own headers; CSV (UTF-8 with or without BOM, or GBK) or XLSX."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
        for values in rows:
            yield {h: v for h, v in zip(header, values, strict=False) if h}
        workbook.close()
        return
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gbk")
    yield from csv.DictReader(io.StringIO(text))


def _cell(value: Any, field_name: str) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
    if field_name in BOOL_FIELDS:
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        return value  # let validation say what is wrong
    if value == "":
        return None
    return value


def _map_row(row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    data: dict[str, Any] = {}
    columns: dict[str, str] = {}
    for header, value in row.items():
        name = HEADERS.get((header or "").strip(), HEADERS.get((header or "").strip().lower()))
        if name is None:
            continue
        cell = _cell(value, name)
        if cell is not None:
            data[name] = cell
        columns[name] = header
    return data, columns


@dataclass(frozen=True)
class Planned:
    """A good row: a new enterprise (``existing_id`` None) or the changes to a registered one."""

    row: int
    data: EnterpriseCreate | EnterpriseUpdate
    existing_id: int | None = None


def validate(session: Session, path: Path, *, progress: Callable[[int], None] | None = None
             ) -> tuple[list[EnterpriseCreate], ImportReport]:
    """The new enterprises of a file that registers only new ones, and the report of its problems."""
    planned, report = plan(session, path, update=False, progress=progress)
    return [p.data for p in planned if isinstance(p.data, EnterpriseCreate)], report


def plan(session: Session, path: Path, *, update: bool, progress: Callable[[int], None] | None = None
         ) -> tuple[list[Planned], ImportReport]:
    """Check every row; a registered credit code is a problem unless ``update``, then the row's changes."""
    report = ImportReport()
    rows: list[tuple[int, dict[str, Any], dict[str, str]]] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(read_rows(path), start=2):
        report.rows += 1
        if progress:
            progress(1)
        data, columns = _map_row(row)
        if not any(data.values()):
            report.rows -= 1  # blank line
            continue
        problems = _row_problems(data, columns, index, seen)
        if problems:
            report.problems.extend(problems)
            continue
        rows.append((index, data, columns))
    codes = [data["credit_code"] for _, data, _ in rows]
    registered: dict[str, int] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        for code, enterprise_id in session.exec(select(Enterprise.credit_code, Enterprise.id)
                                                .where(col(Enterprise.credit_code).in_(chunk))):
            registered[code] = enterprise_id or 0
    planned: list[Planned] = []
    for index, data, columns in rows:
        code = data["credit_code"]
        existing = registered.get(code)
        if existing is not None and not update:
            report.problems.append(RowProblem(index, columns.get("credit_code", "统一社会信用代码"),
                                              f"已登记 / already registered: {code}"))
            continue
        try:
            model: EnterpriseCreate | EnterpriseUpdate = (
                EnterpriseCreate.model_validate(data) if existing is None
                else EnterpriseUpdate.model_validate({k: v for k, v in data.items() if k != "credit_code"}))
        except ValidationError as exc:
            for err in exc.errors():
                name = str(err["loc"][0]) if err["loc"] else ""
                report.problems.append(RowProblem(index, columns.get(name, name), message_for(dict(err))))
            continue
        planned.append(Planned(index, model, existing))
    report.problems.sort(key=lambda p: (p.row, p.column))
    return planned, report


def _row_problems(data: dict[str, Any], columns: dict[str, str], index: int,
                  seen: dict[str, int]) -> list[RowProblem]:
    column = columns.get("credit_code", "统一社会信用代码")
    raw = data.get("credit_code")
    if not raw:
        return [RowProblem(index, column, "缺少统一社会信用代码 / credit code missing")]
    check = creditcode.check(str(raw))
    if not check.ok:
        return [RowProblem(index, column, check.errors[0])]
    data["credit_code"] = check.code
    if check.code in seen:
        return [RowProblem(index, column, f"与第{seen[check.code]}行重复 / duplicate of row {seen[check.code]}")]
    seen[check.code] = index
    return []


def import_file(session: Session, path: Path, *, actor: Actor, now: Any,
                progress: Callable[[int], None] | None = None, update: bool = False) -> ImportReport:
    """Validate every row; import (and with ``update``, update) all of them only if none has a problem. A row whose
    changes the enterprise cannot take (an inconsistent profile) is a problem too, and nothing is kept then: the
    caller commits only a report that is ``ok`` (and rolls back otherwise, or for a dry run)."""
    planned, report = plan(session, path, update=update, progress=progress)
    if not report.ok:
        return report
    for item in planned:
        if item.existing_id is None:
            assert isinstance(item.data, EnterpriseCreate)
            created = enterprise_service.create(session, item.data, actor=actor, now=now)
            report.imported += 1
            report.changes.append(RowChange(item.row, created.credit_code, created.name, "created"))
            continue
        assert isinstance(item.data, EnterpriseUpdate)
        enterprise = session.get(Enterprise, item.existing_id)
        assert enterprise is not None
        before = audit.snapshot(enterprise)
        try:
            enterprise_service.update(session, item.existing_id, item.data, actor=actor, now=now)
        except DomainError as exc:
            report.problems.append(RowProblem(item.row, "", exc.message))
            continue
        old, new = audit.diff(before, audit.snapshot(enterprise))
        old.pop("updated_at", None)
        new.pop("updated_at", None)
        fields = {name: (old.get(name), value) for name, value in new.items()}
        if fields:
            report.updated += 1
        else:
            report.unchanged += 1
        report.changes.append(RowChange(item.row, enterprise.credit_code, enterprise.name,
                                        "updated" if fields else "unchanged", fields))
    return report
