"""Printable enforcement documents (REFERENCE §E): data in, PDF bytes out.

- ``order_pdf``: 责令限期整改指令书 (§E.2), with a QR code opening the order in the enterprise portal
- ``visit_record_pdf``: 现场检查记录, one section per department, failed items' photos inline, advice given;
  ``visit_records_pdf``: the departments' own records of one visit printed together
- ``reinspection_pdf``: 整改复查意见书 (§E.3)

Pure rendering: the frozen dataclasses of ``hazards.documents.content`` are filled by ``hazards.documents.data``
and nothing here touches the database, settings or HTTP; the font, styles and page footer are in
``hazards.documents.pdf``. Photos are read from the paths given; a missing or unreadable file prints a caption
instead of failing.
"""

import io
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, KeepTogether, Spacer, Table, TableStyle

from hazards.documents.content import (
    EXEMPTION_TITLE,
    MEASURES_TITLE,
    REINSPECTION_TITLE,
    UNSIGNED,
    VISIT_TITLE,
    DepartmentSection,
    EnterpriseInfo,
    ExemptionDocument,
    Inspector,
    MeasuresDocument,
    OrderDocument,
    OrderItem,
    PhotoRef,
    ReceiptDocument,
    ReinspectionDocument,
    ReinspectionItem,
    ResultRow,
    SignedBy,
    VisitDocument,
)
from hazards.documents.digest import content_digest, printed
from hazards.documents.pdf import (
    WIDTH,
    PageMarks,
    SignatureMark,
    build,
    build_many,
    cn_date,
    cn_datetime,
    fit_image,
    grid,
    markup,
    para,
    qr_png,
)

QR_SIDE = 30 * mm
PHOTO_BOX = (80 * mm, 60 * mm)
SIGNATURE_BOX = (60 * mm, 25 * mm)


OUTCOME_LABELS = {"pass": "合格", "fail": "不合格", "not_applicable": "不适用", "advice": "提示（建议改进）",
                  "referred": "不合格（已移送）"}
PARTY_LABELS = {"landlord": "出租方", "tenant": "承租方"}
SOURCE_LABELS = {"adhoc": "日常检查", "routine": "计划检查", "complaint": "投诉举报核查", "reinspection": "复查",
                 "joint": "联合检查", "lease": "出租前安全检查（先验后批，地方工作做法）", "referral": "移送核查"}
# 整改复查意见书: every original item ends in one of these states, then one next step (§E.3)
REINSPECTION_STATES = {"rectified": "已整改", "not_rectified": "未整改", "unsatisfactory": "整改不合格"}
NEXT_STEPS = {"write_off": "核销", "penalty": "立案处罚", "extend": "延期整改"}
DEFAULT_NEXT_STEP = {"rectified": "write_off", "not_rectified": "penalty", "unsatisfactory": "penalty"}

# Standard wording, paraphrased for this project (REFERENCE §E.2); not a reproduction of any template.
ORDER_BASIS = ("依据《中华人民共和国安全生产法》第六十五条第一款第（二）项、第（三）项的规定，现责令你单位对上述"
               "事故隐患按所列期限整改完毕，整改完成后通过企业端或书面形式向本机关报告整改情况并申请复查。"
               "逾期未整改或者整改不合格的，本机关将依法处理。")
# a major hazard's plan; withdrawal, suspension or stopped equipment are ordered by a 现场处理措施决定书 of
# their own (REFERENCE §G.4), never by a clause of this order
MAJOR_PLAN = ("对上述重大事故隐患，你单位应当于所列期限前向本机关报送隐患治理方案，经本机关审查后按方案期限完成治理，"
              "治理完毕后申请复查。")
SAFETY_DURING = ("整改期间，你单位须采取可靠的安全防范和监控措施，保证作业人员和生产经营安全；"
                 "因防范措施不落实或者不到位引发生产安全事故的，依法追究相应责任。")
PORTAL_HINT = "扫描二维码，可在企业端查看本指令书、上传整改材料、申请复查或延期。"


# --- the data each document needs -------------------------------------------------------------------------


# --- formatting ---------------------------------------------------------------------------------------------

def deadline_text(item: OrderItem) -> str:
    if item.plan_due:
        return f"于{cn_date(item.due_date)}前报送治理方案"
    if item.immediate:
        return f"立即整改，于{cn_date(item.due_date)}前整改完毕"
    return f"于{cn_date(item.due_date)}前整改完毕"


def short_url(url: str) -> str:
    """The URL as printed under the QR code: without the scheme."""
    return url.split("://", 1)[-1]


def _head(authority: str, title: str, number: str = "") -> list[Flowable]:
    story: list[Flowable] = [para(authority, "authority"), para(title, "title")]
    story.append(para(number, "number") if number else Spacer(1, 8))
    return story


def _enterprise_lines(label: str, enterprise: EnterpriseInfo) -> list[Flowable]:
    lines = [markup(f"{label}：<u>{escape(enterprise.name)}</u>")]
    if enterprise.credit_code:
        lines.append(para(f"统一社会信用代码：{enterprise.credit_code}"))
    if enterprise.address:
        lines.append(para(f"地址：{enterprise.address}"))
    return lines


def _inspector_rows(inspectors: Sequence[Inspector]) -> Table:
    rows = [[para(f"执法人员：{person.name}"), para(f"执法证号：{person.cert_no or '（未登记）'}"),
             para("签名：______________")] for person in inspectors]
    rows = rows or [[para("执法人员：________"), para("执法证号：________"), para("签名：______________")]]
    return grid(rows, [WIDTH * 0.3, WIDTH * 0.35, WIDTH * 0.35], lines=False)


def _signature_block(authority: str, day: date, *, party: str, refusal: str = "") -> Table:
    left = [para(f"{party}负责人（签名）：________________"), Spacer(1, 6), para("日期：______年____月____日"),
            para(refusal, "body") if refusal else para("（拒绝签名的，由执法人员在此注明）", "small")]
    right = [para(authority, "right"), Spacer(1, 14), para("（印章）", "right"), para(cn_date(day), "right")]
    return grid([[left, right]], [WIDTH * 0.55, WIDTH * 0.45], lines=False)


def page_marks(document: Any, *, number: str, party: str, inspectors: Sequence[Inspector],
               signed: SignedBy) -> PageMarks:
    """What every page of ``document`` carries: its number, its content hash, the enterprise's signature (or the
    recorded refusal) and each inspector's (a line to sign by hand where none was captured)."""
    if signed.refusal:
        enterprise = SignatureMark(party, refusal=signed.refusal)
    else:
        enterprise = SignatureMark(party, image=signed.enterprise)
    captured = dict(signed.inspectors)
    officers = tuple(SignatureMark(f"执法人员{person.name}", image=captured.get(person.name))
                     for person in inspectors)
    return PageMarks(number, printed(content_digest(document)), (enterprise, *officers))


def _signed(story: list[Flowable], *, document: Any, title: str, number: str, authority: str,
            inspectors: Sequence[Inspector], day: date, party: str, signed: SignedBy,
            after: Sequence[Flowable] = (), note: str = "") -> bytes:
    """How every numbered instrument ends: the officers, the signatures (kept together on one page), the PDF
    whose every page carries the number, the content hash and the signatures."""
    story.append(KeepTogether([_inspector_rows(inspectors), Spacer(1, 6),
                               _signature_block(authority, day, party=party, refusal=signed.refusal), *after]))
    marks = replace(page_marks(document, number=number, party=party, inspectors=inspectors, signed=signed), note=note)
    return build(story, title=f"{title} {number}", author=authority, footer=number, marks=marks)


# --- 责令限期整改指令书 ------------------------------------------------------------------------------------

def _order_item(index: int, item: OrderItem) -> list[Flowable]:
    mark = "【重大事故隐患】" if item.major else ""
    party = f"（{PARTY_LABELS[item.party]}责任）" if item.party in PARTY_LABELS else ""
    parts = [markup(f"{index}．{mark}{escape(item.description)}{party}", "item")]
    if item.standard and item.standard != item.description:
        parts.append(para(f"检查项：{item.code} {item.standard}", "detail"))
    else:
        parts.append(para(f"检查项：{item.code}", "detail"))
    if item.legal_basis:
        parts.append(para(f"依据：{item.legal_basis}", "detail"))
    if item.photo_codes:
        parts.append(para(f"现场照片验证码：{'、'.join(item.photo_codes)}", "detail"))
    parts.append(markup(f"整改期限：<u>{escape(deadline_text(item))}</u>", "detail"))
    return [KeepTogether(parts)]


def _rights(data: OrderDocument) -> str:
    """The appeal notice naming the district 人民政府 and the court (REFERENCE §G.12): never the generic wording."""
    if not data.review_body or not data.court:
        raise ValueError("an order names its 行政复议机关 and 人民法院 (hazards.rules.appeals)")
    what = data.short_name  # 指令 or 通知: the department's own instrument
    return (f"你单位如对本{what}不服，可以自收到本{what}书之日起六十日内依法向{data.review_body}申请行政复议，"
            f"或者在六个月内依法向{data.court}提起行政诉讼。行政复议或者行政诉讼期间，本{what}不停止执行。")


def _qr_block(url: str) -> Table:
    qr = Image(io.BytesIO(qr_png(url)), width=QR_SIDE, height=QR_SIDE)
    text = [para(PORTAL_HINT, "cell"), Spacer(1, 4), para(short_url(url), "small")]
    table = grid([[qr, text]], [QR_SIDE + 6, WIDTH - QR_SIDE - 6], lines=False)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def order_pdf(data: OrderDocument, signed: SignedBy = UNSIGNED) -> bytes:
    story = _head(data.authority, data.title, data.number)
    story += _enterprise_lines("被检查单位", data.enterprise)
    if data.linked is not None:
        role = PARTY_LABELS.get(data.linked.role, "")
        story.append(para(f"关联指令书：{data.linked.number}（{role} {data.linked.enterprise_name}）"))
    story.append(para("经现场检查，你单位存在下列问题（事故隐患）：", "heading"))
    for index, item in enumerate(data.items, 1):
        story += _order_item(index, item)
    for note in data.voided:
        story.append(para(f"说明：{note}。", "detail"))
    story.append(para(data.clause or ORDER_BASIS, "para"))
    if any(item.major for item in data.items):
        story.append(para(MAJOR_PLAN, "para"))
    story.append(para("整改期间安全要求", "heading"))
    story.append(para(SAFETY_DURING, "para"))
    story.append(para("救济途径", "heading"))
    story.append(para(_rights(data), "para"))
    story.append(Spacer(1, 8))
    return _signed(story, document=data, title=data.title, number=data.number, authority=data.authority,
                   inspectors=data.inspectors, day=data.issued_on, party="被检查单位", signed=signed,
                   after=[Spacer(1, 8), _qr_block(data.portal_url)], note=data.unverified_note)


# --- 现场检查记录 ----------------------------------------------------------------------------------------------

def _photo_cell(photo: PhotoRef, code: str) -> list[Flowable]:
    when = f" 拍摄于{cn_datetime(photo.captured_at)}" if photo.captured_at else ""
    kind = "整改后照片" if photo.after else "照片"
    image = fit_image(photo.path, PHOTO_BOX)
    if image is None:
        return [para(f"{code} {kind}：照片文件缺失（验证码 {photo.verify_code}）", "caption")]
    return [image, para(f"{code} {kind} 验证码 {photo.verify_code}{when}", "caption")]


def _photos(rows: Sequence[ResultRow]) -> list[Flowable]:
    cells = [_photo_cell(photo, row.code) for row in rows if row.outcome == "fail" for photo in row.photos]
    if not cells:
        return []
    pairs = [cells[i:i + 2] + ([[]] if i + 1 == len(cells) else []) for i in range(0, len(cells), 2)]
    table = grid(pairs, [WIDTH / 2, WIDTH / 2], lines=False)
    table.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))
    return [para("不合格项现场照片", "heading"), table]


def _result_table(rows: Sequence[ResultRow]) -> Table:
    widths = [20 * mm, WIDTH - 20 * mm - 16 * mm - 42 * mm, 16 * mm, 42 * mm]
    cells: list[list[Any]] = [[para(h, "cell") for h in ("编号", "检查内容", "结果", "备注")]]
    for row in rows:
        label = OUTCOME_LABELS.get(row.outcome, row.outcome)
        outcome = markup(f'<font color="#b00000">{label}</font>' if row.outcome == "fail" else label, "cell")
        note = "；".join(part for part in (row.note, "已当场整改" if row.fixed_on_spot else "") if part)
        cells.append([para(row.code, "cell"), para(row.text, "cell"), outcome, para(note, "cell")])
    return grid(cells, widths, header=True)


def _yes_no(value: bool | None, yes: str, no: str) -> str:
    return "（未记录）" if value is None else (yes if value else no)


def _record_number(data: VisitDocument) -> str:
    number = data.number or "（编号未登记）"
    return number + (f"（第{data.version}版，已更正）" if data.version > 1 else "")


def _advice(section: DepartmentSection) -> list[Flowable]:
    """The 提示项 failed: advice to the enterprise with the basis the item cites, not hazards (REFERENCE §G.1)."""
    if not section.advice:
        return []
    story: list[Flowable] = [para("提示事项（不作为事故隐患，不下达整改文书，建议企业改进）", "para")]
    for index, hint in enumerate(section.advice, 1):
        parts = [para(f"{index}．{hint.code} {hint.text}", "detail")]
        if hint.basis:
            parts.append(para(f"依据：{hint.basis}", "detail"))
        if hint.note:
            parts.append(para(f"现场情况：{hint.note}", "detail"))
        story.append(KeepTogether(parts))
    return story


def visit_record_pdf(data: VisitDocument, signed: SignedBy = UNSIGNED) -> bytes:
    """现场检查记录 with every field REFERENCE §G.7 asks."""
    story, marks = _visit_record(data, signed)
    return build(story, title=f"{VISIT_TITLE} {data.enterprise.name}", author=data.authority,
                 footer=data.number, marks=marks)


def visit_records_pdf(records: Sequence[tuple[VisitDocument, SignedBy]]) -> bytes:
    """The departments' records of one visit printed together: one after the other, each from a new page with its
    own number, content hash, signatures and page count."""
    first = records[0][0]
    return build_many([_visit_record(data, signed) for data, signed in records],
                      title=f"{VISIT_TITLE} {first.enterprise.name}", author=first.authority,
                      footer="、".join(data.number for data, _ in records))


def _visit_record(data: VisitDocument, signed: SignedBy) -> tuple[list[Flowable], PageMarks]:
    story = _head(data.authority, VISIT_TITLE, _record_number(data))
    story += _enterprise_lines("被检查单位", data.enterprise)
    person = data.representative
    title = person.title or "法定代表人/主要负责人"
    story.append(para(f"{title}：{person.name or '（未记录）'}    联系电话：{person.phone or '（未记录）'}"))
    story.append(para(f"检查场所：{data.place or '（未记录）'}"))
    begin = cn_datetime(data.visited_at) if data.visited_at else "（未记录）"
    finish = cn_datetime(data.ended_at) if data.ended_at else "（未记录）"
    story.append(para(f"检查时间：{begin} 至 {finish}"))
    story.append(para(f"检查类型：{SOURCE_LABELS.get(data.source, data.source)}"))
    story.append(para("检查人员", "heading"))
    people = [[para(h, "cell") for h in ("姓名", "执法证号", "所属部门")]]
    people += [[para(p.name, "cell"), para(p.cert_no or "—", "cell"), para(p.department, "cell")]
               for p in data.inspectors]
    story.append(grid(people, [WIDTH * 0.25, WIDTH * 0.3, WIDTH * 0.45], header=True))
    story.append(para(_yes_no(data.credentials_shown, "检查人员已向被检查单位出示执法证件。",
                              "检查人员未记录出示执法证件。"), "para"))
    story.append(para(_yes_no(data.recusal_explained,
                              "检查人员已告知被检查单位：认为检查人员与本案有直接利害关系或者其他关系可能影响公正执法的，"
                              "有权申请回避。", "检查人员未记录告知申请回避的权利。"), "para"))
    if not data.submitted:
        story.append(para("尚未提交检查结果。", "heading"))
    numerals = "一二三四五六七八九十"
    for index, section in enumerate(data.sections):
        prefix = numerals[index] if index < len(numerals) else str(index + 1)
        failed = sum(1 for row in section.rows if row.outcome == "fail")
        story.append(para(f"{prefix}、{section.name}检查情况", "heading"))
        story.append(para(f"共检查 {len(section.rows)} 项，不合格 {failed} 项。", "cell"))
        story.append(Spacer(1, 3))
        story.append(_result_table(section.rows))
        story += _photos(section.rows)
        story += _advice(section)
        if section.order_numbers:
            story.append(para(f"已出具{section.order_title}：{'、'.join(section.order_numbers)}", "para"))
    story.append(Spacer(1, 10))
    signature = fit_image(signed.enterprise or data.signature, SIGNATURE_BOX, mask="auto")
    blanks = "    ".join("______________" for _ in data.inspectors or [None])
    ending: list[Flowable] = [para(f"检查人员（签名）：{blanks}"), Spacer(1, 8)]
    if signed.refusal:
        ending.append(para(f"被检查单位负责人（签名）：{signed.refusal}"))
    elif signature is not None:
        ending.append(grid([[para("被检查单位负责人（签名）："), signature]], [WIDTH * 0.35, WIDTH * 0.65],
                           lines=False))
    else:
        ending.append(para("被检查单位负责人（签名）：______________    日期：______年____月____日"))
    story.append(KeepTogether(ending))
    if data.signature is not None and signed.enterprise is None and not signed.refusal:
        signed = SignedBy(enterprise=data.signature, inspectors=signed.inspectors)
    marks = page_marks(data, number=data.number, party="被检查单位", inspectors=data.inspectors, signed=signed)
    return story, replace(marks, note=data.note)


# --- 整改复查意见书 --------------------------------------------------------------------------------------------

def next_step_of(item: ReinspectionItem) -> str:
    return item.next_step or DEFAULT_NEXT_STEP[item.state]


def _conclusion(items: Sequence[ReinspectionItem]) -> str:
    if all(item.state == "rectified" for item in items):
        return "经复查，上述事故隐患均已整改完毕，予以核销。"
    sentences = ["经复查，上述事故隐患未全部整改完毕"]
    for step, text in (("write_off", "予以核销"), ("extend", "准予延期整改，延期期间须落实安全防范措施"),
                       ("penalty", "本机关将依法立案处理")):
        numbers = [str(i) for i, item in enumerate(items, 1) if next_step_of(item) == step]
        if numbers:
            sentences.append(f"对第{'、'.join(numbers)}项，{text}")
    return "；".join(sentences) + "。"


def reinspection_pdf(data: ReinspectionDocument, signed: SignedBy = UNSIGNED) -> bytes:
    story = _head(data.authority, REINSPECTION_TITLE, data.number)
    story += _enterprise_lines("被复查单位", data.enterprise)
    story.append(para(f"复查依据：{data.basis_title} {data.basis_number}"))
    story.append(para(f"复查日期：{cn_date(data.reinspected_on)}"))
    story.append(para(f"本机关于{cn_date(data.reinspected_on)}对你单位{data.basis_title}（{data.basis_number}）"
                    "所列事故隐患的整改情况进行了复查，复查意见如下：", "para"))
    widths = [10 * mm, 20 * mm, WIDTH - 10 * mm - 20 * mm - 24 * mm - 22 * mm, 24 * mm, 22 * mm]
    cells: list[list[Any]] = [[para(h, "cell") for h in ("序号", "编号", "隐患及整改期限", "复查结果", "处理")]]
    for index, item in enumerate(data.items, 1):
        detail = f"{item.description}（整改期限：{cn_date(item.due_date)}）"
        if item.note:
            detail += f"\n复查情况：{item.note}"
        if item.photo_codes:
            detail += f"\n照片验证码：{'、'.join(item.photo_codes)}"
        cells.append([para(str(index), "cell"), para(item.code, "cell"),
                     markup(escape(detail).replace("\n", "<br/>"), "cell"),
                     para(REINSPECTION_STATES[item.state], "cell"), para(NEXT_STEPS[next_step_of(item)], "cell")])
    story.append(grid(cells, widths, header=True))
    story.append(para(_conclusion(data.items), "para"))
    if data.resumption:
        story.append(para("恢复生产决定", "heading"))
        story.append(para(data.resumption, "para"))
    story.append(Spacer(1, 10))
    return _signed(story, document=data, title=REINSPECTION_TITLE, number=data.number, authority=data.authority,
                   inspectors=data.inspectors, day=data.reinspected_on, party="被复查单位", signed=signed)



# --- 现场处理措施决定书 ----------------------------------------------------------------------------------------

def measures_pdf(data: MeasuresDocument, signed: SignedBy = UNSIGNED) -> bytes:
    story = _head(data.authority, data.title, data.number)
    story += _enterprise_lines("被检查单位", data.enterprise)
    story.append(para("经现场检查，你单位存在下列重大事故隐患，在排除前或者排除过程中无法保证安全：", "heading"))
    for index, item in enumerate(data.items, 1):
        parts = [markup(f"{index}．{escape(item.description)}", "item"), para(f"检查项：{item.code}", "detail")]
        if item.legal_basis:
            parts.append(para(f"依据：{item.legal_basis}", "detail"))
        story.append(KeepTogether(parts))
    story.append(para(f"依据{data.basis}的规定，本机关决定对你单位采取以下现场处理措施：", "para"))
    for index, measure in enumerate(data.measures, 1):
        story.append(para(f"（{index}）{measure}；", "detail"))
    if data.note:
        story.append(para(f"说明：{data.note}", "detail"))
    story.append(para(data.resume_clause, "para"))
    story.append(para("救济途径", "heading"))
    story.append(para(data.appeal, "para"))
    story.append(Spacer(1, 8))
    return _signed(story, document=data, title=MEASURES_TITLE, number=data.number, authority=data.authority,
                   inspectors=data.inspectors, day=data.issued_on, party="被检查单位", signed=signed)


# --- 不予行政处罚决定书 ----------------------------------------------------------------------------------------

def exemption_pdf(data: ExemptionDocument, signed: SignedBy = UNSIGNED) -> bytes:
    story = _head(data.authority, data.title, data.number)
    story += _enterprise_lines("当事人", data.enterprise)
    if data.supersedes:
        story.append(para(data.supersedes, "detail"))
    story.append(para("违法事实", "heading"))
    story.append(para(data.facts, "para"))
    story.append(para(f"上述行为属于《{data.list_name}》所列“{data.offence}”情形（{data.list_source}）。", "para"))
    story.append(para("适用条件", "heading"))
    for reason in data.reasons:
        story.append(para(f"· {reason}", "detail"))
    story.append(para(f"依据{data.basis}的规定，本机关决定对你单位不予行政处罚。", "para"))
    story.append(para("救济途径", "heading"))
    story.append(para(data.appeal, "para"))
    story.append(Spacer(1, 8))
    return _signed(story, document=data, title=EXEMPTION_TITLE, number=data.number, authority=data.authority,
                   inspectors=data.inspectors, day=data.decided_on, party="当事人", signed=signed)


# --- 送达回执 ----------------------------------------------------------------------------------------------------

def receipt_pdf(data: ReceiptDocument, recipient_signature: Path | None = None) -> bytes:
    story = _head(data.authority, data.title, f"（{data.document_number}）")
    rows = [("受送达单位", data.enterprise.name), ("送达文书", f"{data.document_title} {data.document_number}"),
            ("送达方式", data.method), ("送达依据", data.basis), ("送达时间", cn_datetime(data.served_at))]
    if data.place:
        rows.append(("送达地点", data.place))
    if data.address:
        rows.append(("送达地址" if data.consent else "邮件号", data.address))
    if data.consent:
        rows.append(("电子送达确认", data.consent))
    rows.append(("受送达人", data.recipient or "—"))
    if data.left_reason:
        rows.append(("拒收事由", data.left_reason))
        rows.append(("见证人", "、".join(data.witnesses)))
    rows.append(("送达人", data.server))
    story.append(grid([[para(label, "cell"), para(value, "cell")] for label, value in rows],
                      [WIDTH * 0.22, WIDTH * 0.78]))
    story.append(Spacer(1, 10))
    if data.left_reason:
        story.append(para(f"受送达人拒绝签收，已于{cn_datetime(data.served_at)}将文书留置于送达地点，"
                          f"见证人：{'、'.join(data.witnesses)}。", "para"))
    refusal = f"拒收，留置送达（见证人：{'、'.join(data.witnesses)}）" if data.left_reason else ""
    marks = PageMarks(data.document_number, printed(content_digest(data)),
                      (SignatureMark("受送达人", image=recipient_signature, refusal=refusal),
                       SignatureMark(f"送达人{data.server}")))
    return build(story, title=f"{data.title} {data.document_number}", author=data.authority,
                 footer=data.document_number, marks=marks)
