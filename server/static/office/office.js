// 巡查 · 安委办驾驶舱: closure and on-time rates, overdue hazards by street / department / checklist / month,
// the joint-visit planner, ratings of visits, exports. Figures come from the stats API, which defines them
// once (hazards/stats.py); this page only draws them.

import { Session, describe } from "/static/api.js";
import { barChart } from "/static/chart.js";
import {
  KIND, LEVEL, fmtDate, fmtDateTime, h, loginForm, mount, offerDownload, pct, say, screenFailed, today,
} from "/static/ui.js";

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
      if (me.role === "enterprise") {
        session.logout();
        throw new Error("此入口供安委办和检查部门使用；企业请用 /portal/");
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
  const fromInput = h("input", { id: "from", type: "date", value: from });
  const toInput = h("input", { id: "to", type: "date", value: to });
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
  mount(main, h("h1", {}, "安全生产隐患整改驾驶舱"), form, figures,
    h("section", { "aria-labelledby": "overdue-title" }, h("h2", { id: "overdue-title" }, "逾期未整改隐患"),
      h("div", { id: "overdue" }, "正在加载…")),
    h("section", { "aria-labelledby": "plan-title" }, h("h2", { id: "plan-title" }, "联合检查计划（综合查一次）"),
      h("div", { id: "planner" }, "正在加载…")),
    h("section", { "aria-labelledby": "ratings-title" }, h("h2", { id: "ratings-title" }, "企业对检查的评价"),
      h("div", { id: "ratings" }, "正在加载…")),
    h("section", { "aria-labelledby": "export-title" }, h("h2", { id: "export-title" }, "数据导出"),
      h("div", { id: "exports" })));
  await Promise.all([loadFigures(figures, from, to), loadOverdue(), loadPlanner(), loadRatings()]);
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
  const kpi = (id, name, value) => h("div", { class: "kpi", id }, h("div", { class: "value" }, value),
    h("div", { class: "name" }, name));
  const rows = grouped.rows || [];
  const tabs = h("div", { class: "tabs", role: "group", "aria-label": "分组" }, GROUPS.map(([name, text]) =>
    h("button", { type: "button", "aria-pressed": String(name === group), onclick: () => {
      group = name;
      loadFigures(box, from, to);
    } }, `按${text}`)));
  mount(box,
    h("div", { class: "kpis" },
      kpi("kpi-closure", "整改闭环率", pct(total.closure_rate)),
      kpi("kpi-ontime", "按期整改率", pct(total.on_time_rate)),
      kpi("kpi-found", "发现隐患", total.found),
      kpi("kpi-closed", "已闭环", total.closed),
      kpi("kpi-overdue", "逾期未改", total.overdue_open),
      kpi("kpi-major", "重大隐患未闭环", total.major_open)),
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
          h("tbody", {}, rows.map((r) => h("tr", {}, h("td", {}, labelOf(r)), h("td", { class: "num" }, r.found),
            h("td", { class: "num" }, r.closed), h("td", { class: "num" }, pct(r.closure_rate)),
            h("td", { class: "num" }, pct(r.on_time_rate)), h("td", { class: "num" }, r.overdue_open)))))),
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
