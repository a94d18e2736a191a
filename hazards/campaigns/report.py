"""A campaign's report: XLSX (enterprises, streets, the campaign and its rule) and PDF (the same on A4).

Pure functions: a ``CampaignProgress`` in, bytes out. The XLSX writes every cell through the statistics'
``safe_cell`` (names and streets are typed by people); the PDF uses the documents' layout helpers and their
embedded CJK font.
"""

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from reportlab.lib.units import mm

from hazards.documents import pdf
from hazards.stats.export import append_row
from inspection.clock import local
from schemas.campaigns import CampaignProgress, CompletionRule, ProgressFigures

ENTERPRISE_HEADERS = ["企业名称", "统一社会信用代码", "街道", "任务数", "检查次数", "最近检查", "发现隐患", "已闭环",
                      "重大隐患", "重大隐患经复查销号", "整治完成", "尚缺"]
FIGURE_HEADERS = ["检查对象", "已检查", "检查覆盖率", "发现隐患", "已闭环", "闭环率", "重大隐患", "重大经复查销号",
                  "整治完成", "整治完成率"]


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def rule_lines(rule: CompletionRule) -> list[str]:
    lines = []
    if rule.visited:
        lines.append("期限内至少检查一次（检查须包含本专项行动的检查表）")
    if rule.min_visits > 1:
        lines.append(f"期限内检查不少于{rule.min_visits}次")
    if rule.hazards_closed:
        lines.append("期限内发现的本专项行动检查表隐患全部整改闭环")
    if rule.majors_reinspected:
        lines.append("重大事故隐患经现场复查（整改复查意见书）后销号")
    return lines


def figure_values(f: ProgressFigures) -> list[Any]:
    return [f.targets, f.visited, percent(f.visited_rate), f.hazards_found, f.hazards_closed, percent(f.closure_rate),
            f.majors_found, f.majors_reinspected, f.done, percent(f.done_rate)]


def meta(data: CampaignProgress) -> list[tuple[str, str]]:
    c = data.campaign
    return [
        ("专项行动", c.name),
        ("期限", f"{c.start_date} 至 {c.end_date}"),
        ("检查表", "、".join(c.kinds)),
        ("检查对象", f"{c.targets} 家"),
        ("整治完成标准", "；".join(rule_lines(c.rule))),
        ("数据截至", f"{local(data.as_of):%Y-%m-%d %H:%M}（上海时间）"),
    ]


def to_xlsx(data: CampaignProgress) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "企业进度"
    append_row(sheet, ENTERPRISE_HEADERS)
    for row in data.enterprises:
        append_row(sheet, [row.name, row.credit_code, row.street, row.tasks, row.visits,
                           local(row.last_visit_at).strftime("%Y-%m-%d") if row.last_visit_at else "",
                           row.hazards_found, row.hazards_closed, row.majors_found, row.majors_reinspected,
                           "是" if row.done else "否", "；".join(row.missing)])
    _bold_header(sheet)
    for letter, width in zip("ABCDEFGHIJKL", (34, 22, 14, 8, 8, 12, 9, 9, 9, 12, 9, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    streets = book.create_sheet("街道进度")
    append_row(streets, ["街道", *FIGURE_HEADERS])
    for street in data.streets:
        append_row(streets, [street.street, *figure_values(street)])
    append_row(streets, ["合计", *figure_values(data.total)])
    _bold_header(streets)
    for cell in streets[streets.max_row]:
        cell.font = Font(bold=True)
    notes = book.create_sheet("说明")
    for label, value in meta(data):
        append_row(notes, [label, value])
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 90
    for row in notes.iter_rows(max_col=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _bold_header(sheet: Any) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.freeze_panes = "A2"


def to_pdf(data: CampaignProgress) -> bytes:
    c = data.campaign
    story: list[Any] = [pdf.para("专项行动进展报告", "title"), pdf.para(c.name, "number")]
    story.append(pdf.grid([[pdf.para(label, "cell"), pdf.para(value, "cell")] for label, value in meta(data)],
                          [28 * mm, pdf.WIDTH - 28 * mm]))
    story.append(pdf.para("总体进展", "heading"))
    story.append(pdf.grid([[pdf.para(h, "small") for h in FIGURE_HEADERS],
                           [pdf.para(str(v), "cell") for v in figure_values(data.total)]],
                          [pdf.WIDTH / len(FIGURE_HEADERS)] * len(FIGURE_HEADERS), header=True))
    story.append(pdf.para("按街道", "heading"))
    heads = ["街道", "对象", "已检查", "发现隐患", "已闭环", "整治完成", "完成率"]
    rows = [[pdf.para(h, "small") for h in heads]]
    for s in data.streets:
        rows.append([pdf.para(str(v), "cell") for v in (s.street, s.targets, s.visited, s.hazards_found,
                                                         s.hazards_closed, s.done, percent(s.done_rate))])
    story.append(pdf.grid(rows, [pdf.WIDTH * 0.28] + [pdf.WIDTH * 0.12] * 6, header=True))
    story.append(pdf.para("未完成整治的企业", "heading"))
    pending = [r for r in data.enterprises if not r.done]
    if pending:
        rows = [[pdf.para(h, "small") for h in ("企业名称", "街道", "检查", "隐患（闭环）", "尚缺")]]
        for r in pending:
            rows.append([pdf.para(r.name, "cell"), pdf.para(r.street, "cell"), pdf.para(str(r.visits), "cell"),
                         pdf.para(f"{r.hazards_found}（{r.hazards_closed}）", "cell"),
                         pdf.para("；".join(r.missing), "cell")])
        story.append(pdf.grid(rows, [pdf.WIDTH * w for w in (0.32, 0.14, 0.08, 0.14, 0.32)], header=True))
    else:
        story.append(pdf.para("无：全部检查对象已整治完成。"))
    return pdf.build(story, title=f"专项行动进展报告 {c.name}", author="xuncha", footer=c.name[:40])


def filename(data: CampaignProgress, extension: str) -> str:
    return f"campaign-{data.campaign.id}-{local(data.as_of):%Y%m%d}.{extension}"
