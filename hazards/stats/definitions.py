"""Safety-office statistics: what the office reports upward every month, defined once and computed in SQL.

The definitions below (and ``DEFINITIONS``, which the API, the XLSX second sheet and the PDF footer show)
are the only place these figures are defined.

Period and time
    A period is a range of local dates ``[from, to]``, both inclusive, in Asia/Shanghai. Instants are stored
    in UTC; ``from`` starts at 00:00 Shanghai and ``to`` ends at 24:00 Shanghai. ``as_of`` is the moment the
    figures are computed: statuses are read as they are then.

Two cohorts
    * **Found in the period** (``found_at`` in the period): found, closed, closure rate, overdue open,
      major counts, on-the-spot fixes, days to close, repeats.
    * **Due in the period** (``due_at`` in the period and already passed at ``as_of``): due, closed on time,
      on-time closure rate. A deadline in the future is not yet "due", so an ongoing month is not dragged
      down by hazards that may still be closed in time. The deadline is the one in force (after approved
      extensions).

Counting rules
    * Closure rate (整改闭环率) = hazards closed (status ``closed`` at ``as_of``) / hazards found in the period.
    * On-time closure rate (按期整改率) = hazards closed on or before their deadline (``closed_at <= due_at``)
      / hazards due in the period.
    * Overdue open (逾期未改) at an instant ``at``: not closed at ``at`` (``closed_at`` empty or later than
      ``at``) and ``due_at < at``. Derived, never stored. In the closure table ``at`` is ``as_of``.
    * Days to close: local calendar days from the day found to the day closed (0 = the same day); mean and
      median over the hazards found in the period and closed.
    * Major hazards: ``level = major``.
    * Repeat hazards: ``repeat_of_id`` is set (the same item failed again at the same enterprise within 12
      months of a closed hazard, see ``hazards.loop.intake``); repeat offenders are the distinct enterprises with
      such a hazard; suspected false rectification counts hazards flagged so (both the repeat and the earlier
      hazard are flagged, each in its own period).
    * On-the-spot fixes (当场整改) count as found and closed (issue 4), with 0 days to close, and closed on
      time (their deadline is the end of the day they were found).
    * Voided hazards (作废: closed by a corrected visit, audit action ``hazard.void``) are not counted at all,
      in any figure: the correction says the failure was recorded in error. A hazard once voided stays out
      even if it were reopened later (the current flows never reopen one).
    * Visits saved by joint inspections (综合查一次) = over the complete visits whose day (planned date, else the
      local day started or submitted) falls in the period, the departments that submitted their part minus
      one, summed (``inspection.planning.saved``, the planner's merge report counts the same). A total only;
      null for enterprise users.

Grouping and filters
    ``street``, ``department``, ``industry``, ``kind`` (checklist), ``item_code``, ``risk_class`` and
    ``month``. Street, industry and risk class are snapshots taken when the hazard was found. ``month`` is
    the stored local month found (``found_month``) for found-based figures and the stored local month of the
    deadline in force (``due_month``) for due-based figures.

Who sees what
    The office and admins: everything; an inspector: their department's hazards; an enterprise: its own.

How it is computed
    Every figure is a ``GROUP BY`` in SQL, never a loop over rows; the mean and median are read off a per-group
    histogram of whole days that SQL returns (a few hundred rows), and a grouped table's total adds its groups'
    histograms instead of scanning again. Three statements (found, days, due) per table, each one index-only
    range scan of a covering index on ``Hazard.__table_args__``. The local months and days to close are stored
    on the hazard (``hazards.models._keep_derived``) and lead those indexes, so on SQLite a grouping on the
    month, street, department, kind or item streams over the index instead of being sorted
    (``stats_sql.streamed``); other groupings sort, and PostgreSQL hashes. Voided hazards are counted a second
    time, by primary key, and subtracted (``stats_sql.less_voided``), which is cheaper than testing every row.
    Whole months of a table for staff are read from a month tally (``hazards.models.TALLIES``: by street,
    department and kind; by item, department and kind; by industry, risk class, department and kind; by item,
    street, department and kind), the first whose key holds every group and filter asked (``tallied``): a
    few rows per month and key, kept by every hazard write, instead of ~17,000 rows a month; the months a period
    cuts, overdue (it depends on the moment asked) and repeats are still counted from the hazards. Figures and
    plans in tests/bench/README.md ("Statistics").
"""

from collections.abc import Iterable
from typing import Any, NamedTuple

from hazards.stats.sql import H
from inspection.errors import InvalidInput


class Definition(NamedTuple):
    name_zh: str
    name_en: str
    formula: str
    field: str = ""  # the figure's key in API rows and exports ("" for rules that are not a column)



DEFINITIONS: list[Definition] = [
    Definition("发现隐患数", "hazards found",
               "统计期内（上海时间）发现的隐患；作废的不计，当场整改的计入 / found_at within [from, to] "
               "(Asia/Shanghai); voided hazards excluded, on-the-spot fixes included", "found"),
    Definition("已闭环数", "hazards closed",
               "上述隐患中当前已销号的（含当场整改）/ of those found, status closed as of the query "
               "(on-the-spot fixes included)", "closed"),
    Definition("整改闭环率", "closure rate", "已闭环数 ÷ 发现隐患数 / closed ÷ found (null when none found)",
               "closure_rate"),
    Definition("到期隐患数", "hazards due",
               "整改期限落在统计期内且已届满的隐患（以现行期限为准，含延期）/ hazards whose deadline in force "
               "falls within [from, to] and has passed as of the query", "due"),
    Definition("按期闭环数", "closed on time",
               "到期隐患中销号时间不晚于整改期限的 / of those due, closed_at ≤ due_at", "closed_on_time"),
    Definition("按期整改率", "on-time closure rate", "按期闭环数 ÷ 到期隐患数 / closed on time ÷ due",
               "on_time_rate"),
    Definition("逾期未改数", "overdue open",
               "发现隐患中截至查询时未销号且已过期限的（实时推算，不存储）/ of those found, not closed and "
               "due_at < as_of (derived, never stored); at a date: not closed by then and due_at < at",
               "overdue_open"),
    Definition("重大隐患数", "major hazards found", "发现隐患中等级为重大的 / of those found, level major",
               "major_found"),
    Definition("重大隐患未闭环数", "major hazards open", "重大隐患中当前未销号的 / major and not closed",
               "major_open"),
    Definition("当场整改数", "fixed on the spot",
               "发现隐患中当场整改的（计为发现并闭环，整改用时 0 天）/ of those found, fixed on the spot "
               "(count as found and closed, 0 days)", "fixed_on_spot"),
    Definition("平均整改天数", "mean days to close",
               "已闭环隐患从发现日到销号日的自然日数的平均值（同日为 0）/ mean local calendar days from the "
               "day found to the day closed, over found-and-closed hazards", "mean_days_to_close"),
    Definition("整改天数中位数", "median days to close", "同上的中位数 / median of the same",
               "median_days_to_close"),
    Definition("重复隐患数", "repeat hazards",
               "同一企业同一检查项在前一隐患销号后 12 个月内再次不合格 / the same item failed again at the "
               "same enterprise within 12 months of a closed hazard (repeat_of_id set)", "repeat_hazards"),
    Definition("重复违规企业数", "repeat offenders", "有重复隐患的企业数（去重）/ distinct enterprises with a "
               "repeat hazard", "repeat_enterprises"),
    Definition("疑似虚假整改数", "suspected false rectification",
               "标记为疑似虚假整改的隐患（重复隐患及其前一隐患均被标记，各计入各自的统计期）/ hazards flagged "
               "suspected_false_rectification (the repeat and the earlier one, each in its own period)",
               "suspected_false_rectification"),
    Definition("联合检查减少入企次数", "visits saved by joint inspections",
               "统计期内（按检查日）已完成的联合检查，每次计提交检查结果的部门数减一，合计；仅合计，不分组；"
               "企业用户为空 / over the complete visits in the period (by visit day), the departments that "
               "submitted their part minus one, summed (inspection.planning.saved, as the planner's merge report); "
               "total only; null for enterprise users", "visits_saved"),
    Definition("共同检查项", "shared checks",
               "联合检查中由多个执法部门共同检查的同一项（如安全出口）不合格，为一处问题，参加检查的每个执法部门"
               "各有一条本部门的隐患（厂中厂另按责任方各计），按部门统计时各计各的、各自销号；按问题计数时以"
               "（检查，检查项）去重（hazards.loop.shared.finding_key）/ a shared check failed on a joint visit is "
               "one finding and one hazard per enforcing department present (per party at a 厂中厂): each "
               "department counts and closes its own; counted as findings, hazards of one visit and item are one"),
    Definition("作废隐患", "voided hazards",
               "因检查结果更正而作废销号的隐患（审计动作 hazard.void）不计入任何指标 / hazards voided by a "
               "corrected visit (audit action hazard.void) are left out of every figure"),
    Definition("统计月份", "month",
               "按发现月份统计发现类指标，按期限所在月份统计到期类指标（上海时间）/ the local month found for "
               "found-based figures, the local month of the deadline for due-based figures"),
    Definition("数据范围", "scope",
               "应急管理办公室和管理员看全部，检查人员看本部门，企业看本企业 / office and admin: all; "
               "inspector: their department; enterprise: its own"),
]


FIGURE_NAMES: dict[str, str] = {d.field: d.name_zh for d in DEFINITIONS if d.field}


class Dimension(NamedTuple):
    name_zh: str
    found: Any  # the column (or expression) for the found cohort
    due: Any  # ... and for the due cohort
    filter_name: str  # its query parameter
    tally: str  # its column in the month tallies (``hazards.models.TALLIES``)



DIMENSIONS: dict[str, Dimension] = {
    "street": Dimension("街道", H.street, H.street, "street", "street"),
    "department": Dimension("部门", H.department_id, H.department_id, "department_id",  # filtered unindexed
                            "department_id"),
    "industry": Dimension("行业", H.industry, H.industry, "industry", "industry"),
    "kind": Dimension("检查表", H.kind, H.kind, "kind", "kind"),
    "item_code": Dimension("检查项", H.item_code, H.item_code, "item_code", "item_code"),
    "risk_class": Dimension("风险等级", H.risk_class, H.risk_class, "risk_class", "risk_class"),
    "month": Dimension("月份", H.found_month, H.due_month, "month", "month"),
}


ALIASES = {"department_id": "department", "checklist": "kind", "item": "item_code", "found_month": "month"}


def parse_group_by(value: str | Iterable[str] | None) -> list[str]:
    """``"street,month"`` -> ``["street", "month"]``; unknown names raise InvalidInput (422) naming them."""
    if value is None:
        return []
    parts = value.split(",") if isinstance(value, str) else [p for v in value for p in v.split(",")]
    names: list[str] = []
    unknown: list[str] = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        name = ALIASES.get(part, part)
        if name not in DIMENSIONS:
            unknown.append(part)
        elif name not in names:
            names.append(name)
    if unknown:
        allowed = list(DIMENSIONS)
        raise InvalidInput(
            f"不支持的分组维度：{', '.join(unknown)}；可选：{', '.join(allowed)} / "
            f"unknown group_by value(s) {unknown}; allowed: {', '.join(allowed)}",
            code="invalid_group_by",
            details={"unknown": unknown, "allowed": allowed},
        )
    return names

