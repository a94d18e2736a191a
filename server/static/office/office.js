// 巡查 · 安委办驾驶舱: closure and on-time rates, overdue hazards by street / department / checklist / month,
// the joint-visit planner, ratings of visits, exports. Figures come from the stats API, which defines them
// once (hazards/stats.py); this page only draws them.

import { Session, describe } from "/static/api.js";
import { barChart } from "/static/chart.js";
import { loadPrograms, programSections } from "/office/programs.js";
import { campaignActions } from "/office/campaign_actions.js";
import {
  KIND, LEVEL, dateInput, fmtDate, fmtDateTime, fmtNumber, h, loginForm, mount, offerDownload, pct, say, screenFailed, today,
} from "/static/ui.js";
import { drillLink, loadRepeatOffenders, loadTopItems } from "./drill.js";

const main = document.getElementById("main");
const userBox = document.getElementById("user");
const session = new Session("office");
const GROUPS = [["street", "街道"], ["department", "部门"], ["kind", "检查表"], ["month", "月份"]];
let group = "street";
let api = null; // the paths the server offers (from /openapi.json), so missing parts are said, not broken

start();

async function start() {
  if (!session.token) return showLogin();
  mount(userBox, h("span", { class: "small" }, session.me.full_name),
    h("button", { type: "button", class: "link", onclick: () => { session.logout(); start(); } }, "退出"));
  try {
    api = api || Object.keys((await fetch("/openapi.json").then((r) => r.json())).paths);
    await showDashboard();
  } catch (err) {
    screenFailed(err, { session, main, showLogin });
  }
}

function showLogin() {
  mount(userBox);
  mount(main, loginForm({
    title: "安委办登录",
    hint: "整改闭环率、按期整改率、逾期隐患、联合检查计划与数据导出。",
    onSubmit: async (username, password) => {
      const me = await session.login(username, password);
      if (me.role === "enterprise" || me.role === "grid") {
        session.logout();
        throw new Error("此入口供安委办和检查部门使用；企业请用 /portal/，网格员请用 /app/");
      }
      start();
    },
  }));
}

function has(path) {
  return api.includes(path);
}

function period() {
  const to = today();
  return { from: `${to.slice(0, 4)}-01-01`, to };
}

async function showDashboard() {
  const { from, to } = period();
  const fromInput = dateInput({ id: "from", value: from });
  const toInput = dateInput({ id: "to", value: to });
  const figures = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card", "aria-label": "统计期" },
    h("div", { class: "row" },
      h("div", { class: "grow" }, h("label", { for: "from" }, "起始日期"), fromInput),
      h("div", { class: "grow" }, h("label", { for: "to" }, "截止日期"), toInput)),
    h("p", {}, h("button", { type: "submit", class: "block" }, "刷新")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    loadFigures(figures, fromInput.value, toInput.value);
  });
  mount(main, h("h1", {}, "安全生产隐患整改驾驶舱"), form, figures, h("div", { id: "drill" }),
    h("section", { "aria-labelledby": "top-title" }, h("h2", { id: "top-title" }, "高频不合格检查项"),
      h("div", { id: "top-box" }, "正在加载…")),
    h("section", { "aria-labelledby": "repeat-title" }, h("h2", { id: "repeat-title" }, "重复违规企业"),
      h("div", { id: "repeat-box" }, "正在加载…")),
    h("section", { "aria-labelledby": "overdue-title" }, h("h2", { id: "overdue-title" }, "逾期未整改隐患"),
      h("div", { id: "overdue" }, "正在加载…")),
    h("section", { "aria-labelledby": "campaigns-title" }, h("h2", { id: "campaigns-title" }, "专项行动"),
      h("div", { id: "campaigns" }, "正在加载…")),
    h("section", { "aria-labelledby": "grid-title" }, h("h2", { id: "grid-title" }, "安消一体化网格巡查（移送，不计入执法检查）"),
      h("div", { id: "grid-stats" }, "正在加载…")),
    h("section", { "aria-labelledby": "plan-title" }, h("h2", { id: "plan-title" }, "联合检查计划（综合查一次）"),
      h("div", { id: "planner" }, "正在加载…")),
    h("section", { "aria-labelledby": "burden-title" },
      h("h2", { id: "burden-title" }, "企业受检频次（监管一件事＋综合查一次）"), h("div", { id: "burden" }, "正在加载…")),
    ...programSections(),
    h("section", { "aria-labelledby": "ratings-title" }, h("h2", { id: "ratings-title" }, "企业对检查的评价"),
      h("div", { id: "ratings" }, "正在加载…")),
    h("section", { "aria-labelledby": "leases-title" }, h("h2", { id: "leases-title" }, "厂房出租“先验后批”"),
      h("div", { id: "leases" }, "正在加载…")),
    h("section", { "aria-labelledby": "export-title" }, h("h2", { id: "export-title" }, "数据导出"),
      h("div", { id: "exports" })));
  await Promise.all([loadFigures(figures, from, to), loadOverdue(), loadPlanner(), loadBurden(), loadRatings(),
    loadLeases(), loadPrograms(session, has), loadCampaigns(), loadGrid()]);
  showExports();
}

// --- closure figures --------------------------------------------------------------------------------------------

// a grouped row carries its figures next to the dimension it is grouped by (schemas/stats.py StatsRow)
const FIELD = { street: "street", department: "department_name", kind: "kind", month: "month" };

function labelOf(row) {
  const value = row[FIELD[group]];
  if (group === "kind") return KIND[value] || value;
  return value === null || value === undefined || value === "" ? "（未填）" : String(value);
}

async function loadFigures(box, from, to) {
  if (!has("/api/v1/stats/closure")) {
    return mount(box, h("p", { class: "notice" }, "统计接口（/api/v1/stats/closure）尚未提供。"));
  }
  const query = `from=${from}&to=${to}`;
  const [overall, grouped] = await Promise.all([
    session.api(`/api/v1/stats/closure?${query}`),
    session.api(`/api/v1/stats/closure?${query}&group_by=${group}`),
  ]);
  const total = overall.total;
  const kpi = (id, name, value, figure) => h("div", { class: "kpi", id }, h("div", { class: "value" },
    figure ? drillLink(session, total.hazards_url, figure, value, "") : value), h("div", { class: "name" }, name));
  const cell = (r, figure, value) => h("td", { class: "num" }, drillLink(session, r.hazards_url, figure, value,
    labelOf(r)));
  loadTopItems(session, document.getElementById("top-box"), from, to);
  loadRepeatOffenders(session, document.getElementById("repeat-box"), from, to);
  const rows = grouped.rows || [];
  const tabs = h("div", { class: "tabs", role: "group", "aria-label": "分组" }, GROUPS.map(([name, text]) =>
    h("button", { type: "button", "aria-pressed": String(name === group), onclick: () => {
      group = name;
      loadFigures(box, from, to);
    } }, `按${text}`)));
  mount(box,
    h("div", { class: "kpis" },
      kpi("kpi-closure", "整改闭环率", pct(total.closure_rate), "not_closed"),
      kpi("kpi-ontime", "按期整改率", pct(total.on_time_rate), "late"),
      kpi("kpi-found", "发现隐患", total.found, "found"),
      kpi("kpi-closed", "已闭环", total.closed, "closed"),
      kpi("kpi-overdue", "逾期未改", total.overdue_open, "overdue_open"),
      kpi("kpi-major", "重大隐患未闭环", total.major_open, "major_open")),
    overall.visits_saved !== undefined && overall.visits_saved !== null
      ? h("p", { class: "small" }, `联合检查减少入企 ${overall.visits_saved} 次`) : null,
    h("p", { class: "small muted" }, `统计期 ${fmtDate(from)} 至 ${fmtDate(to)}，截至 ${fmtDateTime(overall.as_of || new Date())}`),
    h("section", { class: "card", "aria-labelledby": "group-title" },
      h("h2", { id: "group-title" }, "分组统计"), tabs,
      rows.length ? [
        h("h3", {}, "整改闭环率"),
        barChart(rows.map((r) => ({ label: labelOf(r), value: r.closure_rate || 0,
          text: pct(r.closure_rate) })), { title: "整改闭环率", max: 1 }),
        h("h3", {}, "逾期未改"),
        barChart(rows.map((r) => ({ label: labelOf(r), value: r.overdue_open })),
          { title: "逾期未改隐患数", color: "#b3261e" }),
        h("div", { class: "table-wrap" }, h("table", { id: "group-table" },
          h("thead", {}, h("tr", {}, h("th", {}, GROUPS.find(([n]) => n === group)[1]), h("th", { class: "num" }, "发现"),
            h("th", { class: "num" }, "闭环"), h("th", { class: "num" }, "闭环率"), h("th", { class: "num" }, "按期率"),
            h("th", { class: "num" }, "逾期"))),
          h("tbody", {}, rows.map((r) => h("tr", {}, h("td", {}, labelOf(r)), cell(r, "found", r.found),
            cell(r, "closed", r.closed), cell(r, "not_closed", pct(r.closure_rate)),
            cell(r, "late", pct(r.on_time_rate)), cell(r, "overdue_open", r.overdue_open)))))),
      ] : h("p", { class: "muted" }, "统计期内没有隐患。")));
}

// --- overdue list -------------------------------------------------------------------------------------------------

async function loadOverdue() {
  const box = document.getElementById("overdue");
  const report = await session.api("/api/v1/stats/overdue?limit=100");
  if (!report.items.length) return mount(box, h("p", { class: "muted" }, "目前没有逾期隐患。"));
  mount(box, h("p", { class: "small" }, `共 ${report.count} 项，其中重大隐患 ${report.major} 项`),
    h("div", { class: "table-wrap" }, h("table", { id: "overdue-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "企业"), h("th", {}, "街道"), h("th", {}, "检查项"), h("th", {}, "等级"),
        h("th", {}, "期限"), h("th", { class: "num" }, "逾期"))),
      h("tbody", {}, report.items.map((hz) => h("tr", {}, h("td", {}, hz.enterprise_name), h("td", {}, hz.street || "—"),
        h("td", {}, `${hz.item_code} ${hz.item_text}`), h("td", {}, LEVEL[hz.level] || hz.level),
        h("td", {}, fmtDate(hz.due_at)), h("td", { class: "num" }, `${hz.days_overdue} 天`)))))));
}

// --- joint-visit planner --------------------------------------------------------------------------------------------

async function loadPlanner() {
  const box = document.getElementById("planner");
  if (!has("/api/v1/tasks")) {
    return mount(box, h("p", { class: "notice" }, "检查任务接口（/api/v1/tasks）尚未提供。"));
  }
  const { from } = period();
  const [tasks, report, departments] = await Promise.all([
    session.api("/api/v1/tasks?limit=200"),
    session.api(`/api/v1/tasks/merge-report?from=${from}`),
    session.api("/api/v1/departments"),
  ]);
  const department = new Map(departments.map((d) => [d.id, d.name]));
  const ids = [...new Set(tasks.items.map((t) => t.enterprise_id))].slice(0, 50);
  const names = new Map(await Promise.all(ids.map((id) => session.api(`/api/v1/enterprises/${id}`)
    .then((e) => [id, e.name]).catch(() => [id, `企业 ${id}`]))));
  const byVisit = new Map();
  for (const t of tasks.items.filter((x) => x.visit_id)) byVisit.set(t.visit_id, [...(byVisit.get(t.visit_id) || []), t]);
  const merges = [...byVisit.values()].filter((group) => group.length > 1);
  mount(box,
    h("p", { class: "small muted" }, `自 ${fmtDate(from)} 起（含已排程的未来检查）`),
    h("div", { class: "kpis" },
      h("div", { class: "kpi" }, h("div", { class: "value" }, report.tasks), h("div", { class: "name" }, "检查任务")),
      h("div", { class: "kpi" }, h("div", { class: "value" }, report.trips), h("div", { class: "name" }, "实际入企")),
      h("div", { class: "kpi" }, h("div", { class: "value" }, report.joint_trips), h("div", { class: "name" }, "联合入企")),
      h("div", { class: "kpi", id: "kpi-saved" }, h("div", { class: "value" }, report.visits_saved),
        h("div", { class: "name" }, "减少入企次数")),
      h("div", { class: "kpi", id: "kpi-saved-planned" }, h("div", { class: "value" }, report.visits_saved_planned),
        h("div", { class: "name" }, "计划减少入企"))),
    h("h3", {}, "合并方案"),
    merges.length ? h("ul", { class: "list", id: "merges" }, merges.map((group) => h("li", {},
      h("strong", {}, names.get(group[0].enterprise_id)),
      h("p", { class: "small" }, `${fmtDate(group[0].planned_date)} 联合检查：`,
        group.map((t) => department.get(t.department_id) || t.department_id).join("、"))))) : h("p", { class: "muted" }, "暂无合并的检查。"),
    h("h3", {}, "检查任务"),
    tasks.items.length ? h("div", { class: "table-wrap" }, h("table", { id: "tasks-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "企业"), h("th", {}, "部门"), h("th", {}, "时间窗"), h("th", {}, "状态"))),
      h("tbody", {}, tasks.items.map((t) => h("tr", {}, h("td", {}, names.get(t.enterprise_id) || t.enterprise_id),
        h("td", {}, department.get(t.department_id) || t.department_id),
        h("td", {}, `${fmtDate(t.window_start)}–${fmtDate(t.window_end)}`),
        h("td", {}, TASK_STATUS[t.status] || t.status))))))
      : h("p", { class: "muted" }, "暂无检查任务。"));
}

const TASK_STATUS = { planned: "待合并", scheduled: "已排程", merged: "已合并", done: "已完成", cancelled: "已取消" };

// --- inspection burden ----------------------------------------------------------------------------------------------

async function loadBurden() {
  const box = document.getElementById("burden");
  if (!has("/api/v1/stats/burden")) return mount(box, h("p", { class: "notice" }, "受检频次接口尚未提供。"));
  const report = await session.api("/api/v1/stats/burden?limit=20");
  const kpi = (id, name, value) => h("div", { class: "kpi", id }, h("div", { class: "value" }, fmtNumber(value)),
    h("div", { class: "name" }, name));
  mount(box,
    h("p", { class: "small muted" }, `${report.quarter.replace("Q", " 年第 ")} 季度（${fmtDate(report.first_day)} 至 ${fmtDate(report.last_day)}），`
      + "不含已取消的检查和网格员巡查"),
    h("div", { class: "kpis" },
      kpi("kpi-burden-enterprises", "受检企业", report.enterprises),
      kpi("kpi-burden-trips", "入企次数", report.trips),
      kpi("kpi-burden-department-visits", "部门检查次数", report.department_visits),
      kpi("kpi-burden-joint", "联合检查", report.joint_trips),
      kpi("kpi-burden-saved", "减少入企次数", report.trips_saved),
      kpi("kpi-burden-over", "超出检查频次上限的企业", report.over_cap)),
    report.rows.length ? h("div", { class: "table-wrap" }, h("table", { id: "burden-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "企业"), h("th", {}, "街道"), h("th", { class: "num" }, "入企"),
        h("th", { class: "num" }, "部门检查"), h("th", { class: "num" }, "联合"), h("th", { class: "num" }, "例行/上限"),
        h("th", {}, "部门"))),
      h("tbody", {}, report.rows.map((r) => h("tr", { class: r.over_cap ? "over-cap" : null },
        h("td", {}, r.enterprise_name), h("td", {}, r.street || "—"), h("td", { class: "num" }, r.trips),
        h("td", { class: "num" }, r.department_visits), h("td", { class: "num" }, r.joint_trips),
        h("td", { class: "num" }, h("span", { class: r.over_cap ? "badge bad" : "" }, `${r.routine_trips}/${r.routine_cap}`)),
        h("td", {}, Object.entries(r.departments).map(([code, n]) => `${code} ${n}`).join("、")))))))
      : h("p", { class: "muted" }, "本季度暂无入企检查。"));
}

// --- ratings ------------------------------------------------------------------------------------------------------

async function loadRatings() {
  const box = document.getElementById("ratings");
  const page = await session.api("/api/v1/ratings?limit=20");
  if (!page.items.length) return mount(box, h("p", { class: "muted" }, "暂无评价。"));
  mount(box, h("p", {}, `共 ${page.total} 条，平均 ${page.mean_score} 分`),
    h("ul", { class: "list", id: "ratings-list" }, page.items.map((r) => h("li", {},
      h("div", { class: "row" }, h("strong", {}, r.enterprise_name), h("span", { class: "badge" }, `${r.score} 分`)),
      h("p", { class: "small muted" }, `${fmtDate(r.visited_at)} · ${r.inspector_names.join("、")} · ${r.department_codes.join("、")}`),
      r.comment ? h("p", {}, r.comment) : null))));
}

// --- exports ------------------------------------------------------------------------------------------------------

// Each export asks for the period and grouping on screen when its button is pressed: [query, file name].
const EXPORTS = [
  ["/api/v1/stats/closure", "闭环统计 CSV", (from, to) => [`?from=${from}&to=${to}&group_by=${group}&format=csv`,
    `闭环统计-${from}-${to}.csv`]],
  ["/api/v1/stats/closure", "闭环统计 Excel", (from, to) => [`?from=${from}&to=${to}&group_by=${group}&format=xlsx`,
    `闭环统计-${from}-${to}.xlsx`]],
  ["/api/v1/stats/report.pdf", "月报 PDF", (from, to) => [`?month=${to.slice(0, 7)}`, `月报-${to.slice(0, 7)}.pdf`]],
  ["/api/v1/stats/ledger", "隐患台账 CSV", (from, to) => [`?from=${from}&to=${to}&format=csv`, `隐患台账-${from}-${to}.csv`]],
  ["/api/v1/stats/ledger", "隐患台账 Excel", (from, to) => [`?from=${from}&to=${to}&format=xlsx`,
    `隐患台账-${from}-${to}.xlsx`]],
  ["/api/v1/stats/overdue/export", "逾期隐患清单 Excel", (from, to) => [`?format=xlsx`, `逾期隐患清单-${to}.xlsx`]],
];

function showExports() {
  const box = document.getElementById("exports");
  const available = EXPORTS.filter(([path]) => has(path));
  if (!available.length) return mount(box, h("p", { class: "notice" }, "导出接口尚未提供。"));
  const message = h("p", { class: "hidden" });
  mount(box, h("div", { class: "row" }, available.map(([path, text, target]) => {
    const button = h("button", { type: "button", class: "secondary", onclick: async () => {
      const [query, name] = target(document.getElementById("from").value, document.getElementById("to").value);
      try {
        offerDownload(button, await session.blobUrl(path + query), name);
      } catch (err) {
        say(message, describe(err), "error");
      }
    } }, `导出${text}`);
    return button;
  })), message);
}

// --- lease applications (先验后批: a local practice, not a licence) ----------------------------------------------------

const LEASE_STATUS = { filed: "审批中", approved: "已同意", refused: "不同意" };
const LEASE_INSPECTION = { none: "未安排", scheduled: "已安排", failed: "未通过", passed: "已通过" };

async function loadLeases() {
  const box = document.getElementById("leases");
  if (!has("/api/v1/lease-applications")) return mount(box, h("p", { class: "notice" }, "出租申请接口尚未提供。"));
  const page = await session.api("/api/v1/lease-applications?limit=50");
  if (!page.items.length) return mount(box, h("p", { class: "muted" }, "暂无厂房出租申请。"));
  mount(box, h("p", { class: "small muted" }, page.items[0].local_practice_notice),
    h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, ["厂区", "部位", "承租方", "拟用途", "出租前检查", "状态", "审批主体"]
        .map((t) => h("th", {}, t)))),
      h("tbody", {}, page.items.map((a) => h("tr", {}, h("td", {}, a.site_name), h("td", {}, a.unit),
        h("td", {}, a.tenant_name), h("td", {}, a.intended_use),
        h("td", {}, LEASE_INSPECTION[a.inspection] || a.inspection),
        h("td", {}, (LEASE_STATUS[a.status] || a.status) +
          (a.refusal_rules.length && a.status === "filed" ? "（符合不予批准情形）" : "")),
        h("td", {}, a.approver_name)))))));
}

// --- campaigns (专项行动) -------------------------------------------------------------------------------------------

async function loadCampaigns() {
  const box = document.getElementById("campaigns");
  if (!has("/api/v1/campaigns")) return mount(box, h("p", { class: "notice" }, "专项行动接口尚未提供。"));
  const page = await session.api("/api/v1/campaigns?active=true&limit=10");
  if (!page.items.length) return mount(box, h("p", { class: "muted" }, "目前没有进行中的专项行动。"));
  const all = await Promise.all(page.items.map((c) => session.api(`/api/v1/campaigns/${c.id}/progress`)));
  mount(box, all.map((p) => {
    const c = p.campaign;
    const t = p.total;
    const message = h("p", { class: "hidden" });
    const download = (format, label) => {
      const button = h("button", { type: "button", class: "secondary", onclick: async () => {
        try {
          offerDownload(button, await session.blobUrl(`/api/v1/campaigns/${c.id}/progress?format=${format}`),
            `专项行动-${c.id}.${format}`);
        } catch (err) {
          say(message, describe(err), "error");
        }
      } }, label);
      return button;
    };
    return h("div", { class: "card campaign", "data-campaign": c.id },
      h("h3", {}, c.name),
      h("p", { class: "small muted" }, `${fmtDate(c.start_date)} 至 ${fmtDate(c.end_date)} · ${c.kinds.map((k) => KIND[k] || k).join("、")}`),
      h("div", { class: "kpis" },
        h("div", { class: "kpi" }, h("div", { class: "value" }, t.targets), h("div", { class: "name" }, "检查对象")),
        h("div", { class: "kpi" }, h("div", { class: "value" }, pct(t.visited_rate)), h("div", { class: "name" }, "已检查")),
        h("div", { class: "kpi" }, h("div", { class: "value" }, `${t.hazards_closed}/${t.hazards_found}`),
          h("div", { class: "name" }, "隐患闭环")),
        h("div", { class: "kpi" }, h("div", { class: "value" }, pct(t.done_rate)), h("div", { class: "name" }, "整治完成"))),
      h("div", { class: "table-wrap" }, h("table", {},
        h("thead", {}, h("tr", {}, h("th", {}, "街道"), h("th", { class: "num" }, "对象"), h("th", { class: "num" }, "已检查"),
          h("th", { class: "num" }, "发现隐患"), h("th", { class: "num" }, "已闭环"), h("th", { class: "num" }, "整治完成"))),
        h("tbody", {}, p.streets.map((s) => h("tr", {}, h("td", {}, s.street), h("td", { class: "num" }, s.targets),
          h("td", { class: "num" }, s.visited), h("td", { class: "num" }, s.hazards_found),
          h("td", { class: "num" }, s.hazards_closed), h("td", { class: "num" }, s.done)))))),
      h("div", { class: "row" }, download("xlsx", "导出进展 Excel"), download("pdf", "导出进展报告 PDF")), message,
      campaignActions(session, c, loadCampaigns));
  }));
}

// --- grid checks (安消一体化): advice referred to the departments, not enforcement visits -------------------------------

async function loadGrid() {
  const box = document.getElementById("grid-stats");
  if (!has("/api/v1/grid/stats")) return mount(box, h("p", { class: "notice" }, "网格巡查接口尚未提供。"));
  const { from, to } = period();
  const s = await session.api(`/api/v1/grid/stats?from=${from}&to=${to}`);
  if (!s.checks) return mount(box, h("p", { class: "muted" }, "统计期内没有网格巡查。"));
  mount(box,
    h("p", { class: "small" }, `网格巡查 ${s.checks} 次，涉及场所 ${s.venues} 家，不合格 ${s.failed_items} 项，移送执法部门 ${s.referrals} 项`),
    h("div", { class: "table-wrap" }, h("table", { id: "grid-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "街道"), h("th", {}, "接收部门"), h("th", { class: "num" }, "巡查"),
        h("th", { class: "num" }, "场所"), h("th", { class: "num" }, "移送"))),
      h("tbody", {}, s.rows.map((r) => h("tr", {}, h("td", {}, r.street), h("td", {}, r.department_code),
        h("td", { class: "num" }, r.checks), h("td", { class: "num" }, r.venues), h("td", { class: "num" }, r.referrals)))))));
}
