"""The one-page monthly report (隐患排查治理月报) as PDF: key figures and two charts.

``monthly()`` gathers the figures (the same queries as the API); ``render_pdf()`` is pure. Text is drawn with the
embedded TrueType CJK font of ``inspection.fonts.pdf_font`` (STSong-Light, not embedded, without one); the charts
are drawn by matplotlib (Agg, the object API, so no pyplot state is shared between threads) with a CJK font from
``inspection.fonts`` when the machine has one. Without one the charts use ASCII labels (streets become S1, S2 ...
with a legend in the PDF text) and say so; a chart that fails to draw becomes a framed note. The report never
fails for a chart.
"""

import io
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from sqlmodel import Session

from hazards.stats import closure as stats
from hazards.stats import inputs
from hazards.stats import lists as stats_lists
from inspection import fonts
from inspection.clock import end_of_local_day, local
from inspection.identity.access import Actor
from inspection.models import Department, Enterprise
from schemas.enums import Role

log = logging.getLogger("xuncha.stats")

TREND_MONTHS = 12
MAX_STREETS = 16
_AUTO = object()


@dataclass
class Monthly:
    month: str
    period: inputs.Period
    scope_label: str
    as_of: datetime
    total: stats.Figures
    by_street: list[stats.Row]
    trend: list[tuple[str, stats.Figures]]  # every month of the trend, oldest first, zeros where none
    overdue_at_end: int
    overdue_major_at_end: int
    top: list[stats_lists.TopItem] = field(default_factory=list)
    visits_saved: int | None = None


def months_back(month: str, count: int) -> list[str]:
    """``count`` months ending with ``month``, oldest first: months_back("2026-02", 3) -> 2025-12 .. 2026-02."""
    first = inputs.parse_month(month)
    index = first.year * 12 + first.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def monthly(session: Session, *, actor: Actor, month: str, now: datetime,
            filters: inputs.Filters | None = None) -> Monthly:
    """The month's figures (all of them), closure by street and the 12-month trend (found counts only)."""
    filters = filters or inputs.Filters()
    period = inputs.Period.month(month)
    report = stats.closure(session, actor=actor, period=period, filters=filters, now=now)
    streets = stats.figures(session, actor=actor, period=period, filters=filters, group_by=["street"], now=now,
                            parts=["found"])
    months = months_back(month, TREND_MONTHS)
    trend_period = inputs.Period(inputs.parse_month(months[0]), period.end)
    trend = stats.figures(session, actor=actor, period=trend_period, filters=filters, group_by=["month"], now=now,
                          parts=["found"])
    at = min(now, end_of_local_day(period.end))
    overdue = stats_lists.overdue(session, actor=actor, at=at, filters=filters, limit=1)
    top = stats_lists.top_items(session, actor=actor, period=period, filters=filters, limit=5)
    top = sorted(top, key=lambda item: (-item.found, item.item_code))[:5]
    by_street = sorted((stats.Row({"street": key[0]}, value) for key, value in streets.items()),
                       key=lambda row: (-row.figures.found, str(row.key["street"])))[:MAX_STREETS]
    return Monthly(month=month, period=period, scope_label=scope_label(session, actor), as_of=now,
                   total=report.total, by_street=by_street,
                   trend=[(m, trend.get((m,), stats.Figures())) for m in months],
                   overdue_at_end=overdue.count, overdue_major_at_end=overdue.major, top=top,
                   visits_saved=report.visits_saved)


def scope_label(session: Session, actor: Actor) -> str:
    if actor.role == Role.INSPECTOR and actor.department_id is not None:
        department = session.get(Department, actor.department_id)
        return department.name if department else "本部门"
    if actor.role == Role.ENTERPRISE and actor.enterprise_id is not None:
        enterprise = session.get(Enterprise, actor.enterprise_id)
        return enterprise.name if enterprise else "本企业"
    return "全区（全部部门）"


# Formatting -----


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def days(value: float | None) -> str:
    return "—" if value is None else f"{value:g} 天"


def key_figures(data: Monthly) -> list[tuple[str, str]]:
    t = data.total
    return [
        ("发现隐患", str(t.found)),
        ("已闭环", str(t.closed)),
        ("整改闭环率", percent(t.closure_rate)),
        ("到期隐患", str(t.due)),
        ("按期闭环", str(t.closed_on_time)),
        ("按期整改率", percent(t.on_time_rate)),
        ("月末逾期未改", f"{data.overdue_at_end}（重大 {data.overdue_major_at_end}）"),
        ("重大隐患", f"{t.major_found}（未闭环 {t.major_open}）"),
        ("当场整改", str(t.fixed_on_spot)),
        ("平均整改天数", days(t.mean_days_to_close)),
        ("整改天数中位数", days(t.median_days_to_close)),
        ("重复隐患 / 企业", f"{t.repeat_hazards} / {t.repeat_enterprises}"),
        ("疑似虚假整改", str(t.suspected_false_rectification)),
        ("联合检查减少入企", "—" if data.visits_saved is None else str(data.visits_saved)),
    ]


# Charts -----


def _font_properties(font_path: Path | None) -> Any:
    if font_path is None:
        return None
    from matplotlib.font_manager import FontProperties

    return FontProperties(fname=str(font_path))


def _new_figure(width_in: float, height_in: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_in, height_in), dpi=150)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Any) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", bbox_inches="tight")
    return out.getvalue()


def street_codes(data: Monthly) -> list[tuple[str, str]]:
    """ASCII stand-ins for street names on a chart without a CJK font: (S1, 三井街道) ..."""
    return [(f"S{i}", str(row.key["street"]) or "-") for i, row in enumerate(data.by_street, start=1)]


def street_chart(data: Monthly, font_path: Path | None) -> bytes:
    font = _font_properties(font_path)
    figure = _new_figure(7.2, 2.7)
    axes = figure.add_subplot()
    labels = ([str(row.key["street"]) or "（空）" for row in data.by_street] if font
              else [code for code, _ in street_codes(data)])
    rates = [(row.figures.closure_rate or 0) * 100 for row in data.by_street]
    bars = axes.bar(range(len(labels)), rates, color="#2f6f9f")
    for bar, row in zip(bars, data.by_street, strict=True):
        axes.annotate(percent(row.figures.closure_rate), (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                      ha="center", va="bottom", fontsize=6)
    axes.set_xticks(range(len(labels)))
    axes.set_xticklabels(labels, fontproperties=font, fontsize=7, rotation=30 if len(labels) > 8 else 0)
    axes.set_ylim(0, 110)
    axes.set_ylabel("%", fontsize=7)
    title = "各街道整改闭环率" if font else "Closure rate by street (no CJK font: streets as S1, S2 ...)"
    axes.set_title(f"{title} {data.month}", fontproperties=font, fontsize=9)
    axes.tick_params(axis="y", labelsize=7)
    if not labels:
        axes.text(0.5, 0.5, "本月无数据" if font else "no data this month", transform=axes.transAxes,
                  ha="center", fontproperties=font)
    return _png(figure)


def trend_chart(data: Monthly, font_path: Path | None) -> bytes:
    font = _font_properties(font_path)
    figure = _new_figure(7.2, 2.7)
    axes = figure.add_subplot()
    months = [m[2:] for m, _ in data.trend]  # 26-06
    found = [f.found for _, f in data.trend]
    closed = [f.closed for _, f in data.trend]
    x = list(range(len(months)))
    axes.bar([i - 0.2 for i in x], found, width=0.4, color="#9fb8cf", label="发现" if font else "found")
    axes.bar([i + 0.2 for i in x], closed, width=0.4, color="#2f6f9f", label="已闭环" if font else "closed")
    axes.set_xticks(x)
    axes.set_xticklabels(months, fontsize=7)
    axes.tick_params(axis="y", labelsize=7)
    rate_axes = axes.twinx()
    points = [(i, f.closure_rate * 100) for i, (_, f) in enumerate(data.trend) if f.closure_rate is not None]
    if points:
        rate_axes.plot([p[0] for p in points], [p[1] for p in points], color="#c0392b", marker="o", markersize=3,
                       label="闭环率 %" if font else "closure rate %")
    rate_axes.set_ylim(0, 110)
    rate_axes.tick_params(axis="y", labelsize=7)
    handles = axes.get_legend_handles_labels()
    rate_handles = rate_axes.get_legend_handles_labels()
    legend_font = font.copy() if font else None
    if legend_font:
        legend_font.set_size(7)
    axes.legend(handles[0] + rate_handles[0], handles[1] + rate_handles[1], prop=legend_font or {"size": 7},
                loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, frameon=False)
    title = "近 12 个月趋势（按发现月份）" if font else "Trend, last 12 months (by month found)"
    axes.set_title(title, fontproperties=font, fontsize=9)
    return _png(figure)


# PDF -----


def render_pdf(data: Monthly, *, font_path: Path | None | object = _AUTO) -> bytes:
    """One A4 page. ``font_path`` None forces ASCII chart labels (the default looks for a CJK font)."""
    chart_font: Path | None = fonts.find_cjk_font() if font_path is _AUTO else font_path  # type: ignore[assignment]
    font = fonts.pdf_font()
    out = io.BytesIO()
    width, height = A4
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle(f"隐患排查治理月报 {data.month}")
    margin = 40
    y = height - 50
    pdf.setFont(font, 16)
    year, month = data.month.split("-")
    pdf.drawCentredString(width / 2, y, f"隐患排查治理月报（{year}年{int(month)}月）")
    y -= 20
    pdf.setFont(font, 8.5)
    pdf.drawCentredString(width / 2, y, f"统计范围：{data.scope_label}    统计期间：{data.period.start} 至 "
                                        f"{data.period.end}    数据截至：{local(data.as_of):%Y-%m-%d %H:%M}")
    y -= 24
    figures = key_figures(data)
    column_width = (width - 2 * margin) / 3
    pdf.setFont(font, 10)
    for index, (label, value) in enumerate(figures):
        row, column = divmod(index, 3)
        pdf.drawString(margin + column * column_width, y - row * 17, f"{label}：{value}")
    y -= 17 * ((len(figures) + 2) // 3) + 6
    chart_height = 196
    for draw in (street_chart, trend_chart):
        y -= chart_height
        _draw_chart(pdf, draw, data, chart_font, margin, y, width - 2 * margin, chart_height)
        y -= 8
    if chart_font is None and data.by_street:
        pdf.setFont(font, 7.5)
        legend = "  ".join(f"{code}={name}" for code, name in street_codes(data))
        pdf.drawString(margin, y, f"未找到中文字体，图中街道以代号表示：{legend}"[:150])
        y -= 12
    y -= 6
    pdf.setFont(font, 10)
    pdf.drawString(margin, y, "本月不合格最多的检查项")
    y = _top_items(pdf, data.top, font, margin, y, width - 2 * margin)
    if not data.top:
        y -= 13
        pdf.drawString(margin + 8, y, "无")
    pdf.setFont(font, 6.5)
    notes = ["口径：整改闭环率 = 统计期内发现的隐患中已销号数 ÷ 发现数；按期整改率 = 期限在统计期内且已届满的隐患中",
             "按期销号数 ÷ 到期数；当场整改计为发现并闭环；作废销号的隐患不计；月末逾期未改 = 月末未销号且已过期限。",
             "完整口径见 GET /api/v1/stats/definitions 或导出表格的“指标口径”页。"]
    for index, line in enumerate(notes):
        pdf.drawString(margin, 40 - index * 9, line)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


TOP_SIZE = 8  # pt
TOP_LEADING = 10.5
FOOTER_TOP = 60  # the definitions' notes sit below this


def _top_items(pdf: canvas.Canvas, top: list[stats_lists.TopItem], font: str, x: float, y: float,
               width: float) -> float:
    """Each item's whole text and its legal basis, wrapped; a page is added when the space runs out."""
    def measure(text: str) -> float:
        return float(pdf.stringWidth(text, font, TOP_SIZE))

    pdf.setFont(font, TOP_SIZE)
    for item in top:
        lines = fonts.wrap(f"{item.item_code}  {item.text}（{item.found} 处，未闭环 {item.open}）", measure,
                           width - 8, 20, "…")
        lines += fonts.wrap(f"依据：{item.legal_basis or '（检查表未列依据）'}", measure, width - 20, 6, "…")
        if y - TOP_LEADING * (len(lines) + 0.4) < FOOTER_TOP:
            pdf.showPage()
            pdf.setFont(font, TOP_SIZE)
            y = A4[1] - 50
        y -= 3
        for index, line in enumerate(lines):
            y -= TOP_LEADING
            pdf.drawString(x + (8 if index == 0 else 20), y, line)
    return y


def _draw_chart(pdf: canvas.Canvas, draw: Any, data: Monthly, font_path: Path | None, x: float, y: float,
                width: float, height: float) -> None:
    try:
        png = draw(data, font_path)
    except Exception:  # a broken font or plotting bug costs the chart, never the report
        log.exception("monthly report: %s failed", draw.__name__)
        png = None
    if png is None:
        pdf.rect(x, y, width, height)
        pdf.setFont(fonts.pdf_font(), 9)
        pdf.drawCentredString(x + width / 2, y + height / 2, "图表生成失败 / chart unavailable")
        return
    pdf.drawImage(ImageReader(io.BytesIO(png)), x, y, width, height, preserveAspectRatio=True, anchor="c")


def filename(month: str) -> str:
    return f"stats-report-{month}.pdf"


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"
