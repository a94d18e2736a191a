// 巡查 · 安委办驾驶舱: the programs' sections — 燃气"审管联动" (registration to first inspection: lead time, backlog,
// overdue) and 安责险 (coverage of key enterprises by street and kind, the uncovered). Figures come from
// /api/v1/linkage/board and /api/v1/insurance/*; this module only draws them.

import { barChart } from "/static/chart.js";
import { fmtDate, h, mount, pct } from "/static/ui.js";

const KIND = { new_licence: "新办营业执照", gas_use_change: "用气变更", lpg_user: "新增瓶装液化气用户" };
const STATE = { inspected: "已检查", backlog: "待检查", overdue: "逾期未检", cancelled: "已取消" };

export function programSections() {
  return [
    h("section", { "aria-labelledby": "linkage-title" },
      h("h2", { id: "linkage-title" }, "燃气审管联动（登记 → 首次检查）"), h("div", { id: "linkage" }, "正在加载…")),
    h("section", { "aria-labelledby": "insurance-title" },
      h("h2", { id: "insurance-title" }, "安全生产责任保险覆盖（重点企业）"), h("div", { id: "insurance" }, "正在加载…")),
  ];
}

export async function loadPrograms(session, has) {
  await Promise.all([loadLinkage(session, has), loadInsurance(session, has)]);
}

const kpi = (id, name, value) => h("div", { class: "kpi", id }, h("div", { class: "value" }, value),
  h("div", { class: "name" }, name));

const days = (value) => (value === null || value === undefined ? "—" : `${value} 天`);

async function loadLinkage(session, has) {
  const box = document.getElementById("linkage");
  if (!has("/api/v1/linkage/board")) return mount(box, h("p", { class: "notice" }, "审管联动接口尚未提供。"));
  const board = await session.api("/api/v1/linkage/board?limit=10");
  if (!board.events) return mount(box, h("p", { class: "muted" }, "尚未收到审批端推送的登记。"));
  mount(box,
    h("div", { class: "kpis" },
      kpi("kpi-linkage-events", "收到登记", board.events),
      kpi("kpi-linkage-inspected", "已首次检查", board.inspected),
      kpi("kpi-linkage-backlog", "待检查", board.backlog),
      kpi("kpi-linkage-overdue", "逾期未检", board.overdue),
      kpi("kpi-linkage-lead", "平均用时（登记→检查）", days(board.lead_days_mean)),
      kpi("kpi-linkage-median", "用时中位数", days(board.lead_days_median))),
    h("p", { class: "small muted" }, `按期完成首次检查 ${board.inspected_on_time} / ${board.inspected}；`,
      "期限为登记后若干工作日（本区做法，非法定要求）。"),
    h("h3", {}, "逾期未检"),
    board.overdue_items.length ? table("linkage-overdue", board.overdue_items, true)
      : h("p", { class: "muted" }, "没有逾期未检的登记。"),
    h("h3", {}, "最近的登记"),
    table("linkage-recent", board.recent, false));
}

function table(id, rows, overdue) {
  return h("div", { class: "table-wrap" }, h("table", { id },
    h("thead", {}, h("tr", {}, h("th", {}, "企业"), h("th", {}, "街道"), h("th", {}, "事项"), h("th", {}, "登记日期"),
      h("th", {}, "检查期限"), h("th", {}, overdue ? "逾期" : "状态"), overdue ? null : h("th", { class: "num" }, "用时"))),
    h("tbody", {}, rows.map((r) => h("tr", {}, h("td", {}, r.enterprise_name), h("td", {}, r.street || "—"),
      h("td", {}, KIND[r.kind] || r.kind), h("td", {}, fmtDate(r.registered_at)), h("td", {}, fmtDate(r.due_date)),
      h("td", {}, overdue ? `${r.days_overdue} 天` : (STATE[r.state] || r.state)
        + (r.outcome ? `（${r.outcome.result_text}）` : "")),
      overdue ? null : h("td", { class: "num" }, days(r.lead_days)))))));
}

async function loadInsurance(session, has) {
  const box = document.getElementById("insurance");
  if (!has("/api/v1/insurance/coverage")) return mount(box, h("p", { class: "notice" }, "安责险接口尚未提供。"));
  const [report, uncovered] = await Promise.all([
    session.api("/api/v1/insurance/coverage"), session.api("/api/v1/insurance/uncovered")]);
  if (!report.key_enterprises) return mount(box, h("p", { class: "muted" }, "按现行规则没有重点投保企业。"));
  const rows = (list, label) => h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, h("th", {}, label), h("th", { class: "num" }, "重点企业"), h("th", { class: "num" }, "已投保"),
      h("th", { class: "num" }, "覆盖率"))),
    h("tbody", {}, list.map((r) => h("tr", {}, h("td", {}, r.label), h("td", { class: "num" }, r.key_enterprises),
      h("td", { class: "num" }, r.covered), h("td", { class: "num" }, pct(r.rate)))))));
  mount(box,
    h("div", { class: "kpis" },
      kpi("kpi-insurance-rate", "覆盖率", pct(report.rate)),
      kpi("kpi-insurance-key", "重点企业", report.key_enterprises),
      kpi("kpi-insurance-covered", "已投保", report.covered),
      kpi("kpi-insurance-soon", "即将到期未续保", report.expiring_soon)),
    report.rule_verified ? null : h("p", { class: "small notice" },
      "重点企业范围含本区自定或未经核实的条件（安全生产法第五十一条：高危行业领域应当投保，具体行业由国家和省规定）。"),
    h("h3", {}, "按街道"),
    barChart(report.by_street.map((r) => ({ label: r.label, value: r.rate || 0, text: pct(r.rate) })),
      { title: "按街道覆盖率", max: 1 }),
    rows(report.by_street, "街道"),
    h("h3", {}, "按类别"),
    rows(report.by_kind, "类别"),
    h("h3", {}, `未投保的重点企业（${uncovered.length}）`),
    uncovered.length ? h("ul", { class: "list", id: "uncovered" }, uncovered.slice(0, 50).map((u) => h("li", {},
      h("strong", {}, u.name), h("p", { class: "small" }, `${u.street || "—"} · ${u.kinds.join("、")}`
        + (u.last_policy_end ? ` · 上一保单 ${fmtDate(u.last_policy_end)} 到期` : " · 无保单记录")))))
      : h("p", { class: "muted" }, "重点企业均已投保。"));
}
