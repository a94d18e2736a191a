"""The case file (一案一档) as one ZIP: 卷内目录 (PDF and CSV), the instruments, the photos as stored, the review
decisions and the audit events.

Memory stays bounded: instruments are rendered and written one at a time, photos are copied from the store in
chunks (their SHA-256 computed on the way and compared with the one recorded at upload), and the ZIP goes to
the file object the caller gives (a temporary file the route streams from).
"""

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, BinaryIO
from xml.sax.saxutils import escape

from reportlab.lib.units import mm

from hazards.documents.casefile import ENTITY_LABELS, ROLE_LABELS, CaseFile, CasePhoto, event_row
from hazards.documents.pdf import WIDTH, build, cn_datetime, grid, markup, para
from inspection.clock import local
from inspection.models import Photo
from inspection.photos.service import EXTENSIONS

INDEX_PDF = "00_卷内目录.pdf"
INDEX_CSV = "00_卷内目录.csv"
REVIEWS_CSV = "03_整改材料与审核.csv"
EVENTS_CSV = "04_审计事件.csv"
STATUS_LABELS = {"open": "待整改", "submitted": "待审核", "closed": "已销号", "voided": "已作废"}
LEVEL_LABELS = {"general": "一般隐患", "major": "重大事故隐患"}
EXTENSION_LABELS = {"pending": "待审批", "approved": "已批准", "refused": "未批准"}
CHUNK = 256 * 1024

OpenOriginal = Callable[[Photo], BinaryIO]  # the stored original of a photo; raises OSError/KeyError if absent


@dataclass(frozen=True)
class Entry:
    """One line of the 卷内目录."""

    number: int
    name: str  # path inside the ZIP
    kind: str
    title: str
    doc_number: str
    dated: str
    sha256: str
    note: str = ""


def _when(at: datetime | None) -> str:
    return local(at).strftime("%Y-%m-%d %H:%M") if at is not None else ""


def _safe(text: str) -> str:
    return "".join("_" if c in '\\/:*?"<>|' else c for c in text)


def _csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")  # a BOM: Excel opens it as UTF-8


class _Writer:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.entries: list[Entry] = []

    def add_bytes(self, name: str, data: bytes, *, kind: str, title: str, doc_number: str = "", dated: str = "",
                  note: str = "") -> None:
        self.archive.writestr(name, data)
        self.entries.append(Entry(len(self.entries) + 1, name, kind, title, doc_number, dated,
                                  hashlib.sha256(data).hexdigest(), note))

    def add_stream(self, name: str, source: IO[bytes]) -> str:
        digest = hashlib.sha256()
        with self.archive.open(name, "w", force_zip64=True) as target:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                target.write(chunk)
        return digest.hexdigest()


def _photo(writer: _Writer, n: int, item: CasePhoto, open_original: OpenOriginal) -> None:
    photo = item.photo
    label = ROLE_LABELS[item.role]
    name = f"02_照片/{n:02d}_{label}_{photo.id}.{EXTENSIONS.get(photo.content_type, 'bin')}"
    title = f"{label} #{photo.id}" + (f"（整改材料 #{item.evidence_id}）" if item.evidence_id else "")
    detail = f"上传人 {item.uploader}，核验码 {photo.verify_code}，拍摄 {_when(photo.captured_at) or '未知'}"
    try:
        with open_original(photo) as source:
            digest = writer.add_stream(name, source)
    except (OSError, KeyError, ValueError):
        writer.entries.append(Entry(len(writer.entries) + 1, "", "照片", title, "", _when(photo.created_at),
                                    photo.sha256, f"原图文件缺失；{detail}"))
        return
    same = "与上传时记录的哈希一致" if digest == photo.sha256 else f"与上传时记录的哈希不一致（记录 {photo.sha256}）"
    writer.entries.append(Entry(len(writer.entries) + 1, name, "照片", title, "", _when(photo.created_at), digest,
                                f"{same}；{detail}"))


def _reviews(case: CaseFile) -> bytes:
    names = case.names
    rows: list[list[Any]] = []
    for ev in case.evidence:
        verdict = "通过" if ev.accepted is True else "退回" if ev.accepted is False else "待审核"
        flags = "；".join(str(f.get("message", "")) for f in ev.flags)
        rows.append(["整改材料", ev.id, _when(ev.submitted_at), names.get(ev.submitted_by, ""), ev.note,
                     " ".join(map(str, ev.photo_ids)), " ".join(map(str, ev.plan_photo_ids)), verdict,
                     _when(ev.reviewed_at), names.get(ev.reviewed_by or 0, ""), ev.review_reason, flags])
    for ex in case.extensions:
        rows.append(["延期申请", ex.id, _when(ex.requested_at), names.get(ex.requested_by, ""),
                     f"{ex.reason}（申请延至 {ex.requested_due_date.isoformat()}）", "",
                     " ".join(map(str, ex.plan_photo_ids)), EXTENSION_LABELS.get(ex.status, ex.status),
                     _when(ex.decided_at), names.get(ex.decided_by or 0, ""), ex.decision_note, ""])
    return _csv_bytes(["类别", "编号", "提交时间", "提交人", "说明", "照片", "治理方案", "审核结论", "审核时间",
                       "审核人", "审核意见", "提示"], rows)


def _events(case: CaseFile) -> bytes:
    rows = []
    for event in case.events:
        r = event_row(event, case.names)
        rows.append([r["id"], ENTITY_LABELS.get(r["entity"], r["entity"]), r["entity_id"], r["action"], r["actor"],
                     _when(r["at"]), json.dumps(r["before"], ensure_ascii=False, sort_keys=True, default=str),
                     json.dumps(r["after"], ensure_ascii=False, sort_keys=True, default=str), r["reason"],
                     r["prev_hash"], r["hash"]])
    return _csv_bytes(["事件号", "对象", "对象编号", "动作", "操作人", "时间", "变更前", "变更后", "理由", "前一哈希",
                       "本事件哈希"], rows)


def _summary(case: CaseFile) -> list[list[str]]:
    h = case.hazard
    return [
        ["隐患编号", f"#{h.id}", "检查项", h.item_code],
        ["被检查单位", case.enterprise.name, "统一社会信用代码", case.enterprise.credit_code],
        ["隐患等级", LEVEL_LABELS.get(str(h.level), str(h.level)),
         "状态", STATUS_LABELS.get(str(h.status), str(h.status))],
        ["发现时间", _when(h.found_at), "整改期限", _when(h.due_at)],
        ["销号时间", _when(h.closed_at) or "—", "执法部门", case.department.name],
    ]


def _chain_lines(case: CaseFile) -> list[str]:
    lines = []
    for c in case.chains:
        what = f"{ENTITY_LABELS.get(c.entity, c.entity)} #{c.entity_id}：{c.events} 个事件，"
        lines.append(what + ("链完整，哈希核对一致" if c.ok else f"校验未通过：{c.problem}"))
    return lines


def _index_pdf(case: CaseFile, entries: list[Entry], *, exported_by: str, now: datetime) -> bytes:
    h = case.hazard
    title = "案卷 卷内目录"
    story: list[Any] = [para(case.department.name, "authority"), para(title, "title"),
                        para(f"隐患 #{h.id} · {case.enterprise.name}", "number")]
    cells = [[para(str(c), "cell") for c in row] for row in _summary(case)]
    story.append(grid(cells, [24 * mm, WIDTH / 2 - 24 * mm, 30 * mm, WIDTH / 2 - 30 * mm]))
    story.append(para(f"隐患描述：{h.description}", "detail"))
    story.append(para(f"依据：{h.legal_basis}", "detail"))
    story.append(para("卷内文件", "heading"))
    rows = [[para(x, "cell") for x in ("序号", "文件", "文号 / 说明", "日期", "SHA-256")]]
    for e in entries:
        where = markup(f"{escape(e.title)}<br/>{escape(e.name or '（缺失）')}", "small")
        rows.append([para(str(e.number), "cell"), where,
                     para(e.doc_number or e.note, "small"), para(e.dated, "small"), para(e.sha256, "small")])
    story.append(grid(rows, [10 * mm, 52 * mm, 46 * mm, 22 * mm, WIDTH - 130 * mm], header=True))
    story.append(para("审计记录校验", "heading"))
    story += [para(line, "detail") for line in _chain_lines(case)]
    story.append(para(f"导出：{exported_by}，{cn_datetime(now)}。照片为上传时保存的原图，哈希与上传时记录的逐一核对；"
                      f"本目录自身不在表内。", "detail"))
    return build(story, title=f"{title} 隐患#{h.id}", author=case.department.name, footer=f"隐患 #{h.id} 案卷")


def write_case_zip(case: CaseFile, out: IO[bytes], *, open_original: OpenOriginal, exported_by: str,
                   now: datetime) -> list[Entry]:
    """Write the case file to ``out``; returns the 卷内目录's entries (the index files themselves excluded)."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        writer = _Writer(archive)
        for n, doc in enumerate(case.documents, start=1):
            writer.add_bytes(f"01_文书/{n:02d}_{_safe(doc.file_stem)}.pdf", doc.render(), kind="文书",
                             title=doc.title, doc_number=doc.number, dated=_when(doc.issued_at))
        for n, item in enumerate(case.photos, start=1):
            _photo(writer, n, item, open_original)
        writer.add_bytes(REVIEWS_CSV, _reviews(case), kind="记录", title="整改材料、审核与延期决定")
        broken = "；".join(line for c, line in zip(case.chains, _chain_lines(case), strict=True) if not c.ok)
        checked = f"链校验通过（{len(case.chains)} 条链，{len(case.events)} 个事件）" if case.chains_ok \
            else f"链校验未通过：{broken}"
        writer.add_bytes(EVENTS_CSV, _events(case), kind="记录", title="审计事件（含哈希链）", note=checked)
        entries = list(writer.entries)
        index_rows = [[e.number, e.name, e.kind, e.title, e.doc_number, e.dated, e.sha256, e.note] for e in entries]
        archive.writestr(INDEX_CSV, _csv_bytes(["序号", "文件", "类别", "名称", "文号", "日期", "SHA-256", "说明"],
                                               index_rows))
        archive.writestr(INDEX_PDF, _index_pdf(case, entries, exported_by=exported_by, now=now))
    return entries
