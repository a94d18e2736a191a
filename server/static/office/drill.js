// From a figure to the hazards behind it (GET /api/v1/stats/hazards: every stats row carries its hazards_url),
// the repeat offenders and the top failed items with their legal basis.

import { KIND, LEVEL, STATUS, fmtDate, h, mount } from "/static/ui.js";

const PAGE = 50;
export const FIGURE_NAMES = {
  found: "发现隐患", closed: "已闭环", not_closed: "未闭环", closure_rate: "发现隐患", due: "到期隐患",
  closed_on_time: "按期闭环", late: "未按期闭环", on_time_rate: "到期隐患", overdue_open: "逾期未改",
  major_found: "重大隐患", major_open: "重大隐患未闭环", repeat_hazards: "重复隐患",
};

// A figure that opens its list in the #drill box: a button showing the value.
export function drillLink(session, url, figure, value, where) {
  if (!url) return String(value);
  const title = `${where ? `${where} · ` : ""}${FIGURE_NAMES[figure] || figure}`;
  return h("button", { type: "button", class: "link drill", "aria-label": `查看${title}清单（${value}）`,
    onclick: () => showDrill(session, url, figure, title) }, String(value));
}

export async function showDrill(session, url, figure, title, offset = 0) {
  const box = document.getElementById("drill");
  const page = await session.api(`${url}&figure=${figure}&limit=${PAGE}&offset=${offset}`);
  const pages = [];
  if (offset > 0) pages.push(h("button", { type: "button", class: "secondary",
    onclick: () => showDrill(session, url, figure, title, Math.max(0, offset - PAGE)) }, "上一页"));
  if (offset + PAGE < page.count) pages.push(h("button", { type: "button", class: "secondary",
    onclick: () => showDrill(session, url, figure, title, offset + PAGE) }, "下一页"));
  mount(box, h("section", { class: "card", "aria-labelledby": "drill-title" },
    h("div", { class: "row" }, h("h2", { id: "drill-title" }, `${title}（共 ${page.count} 项）`),
      h("button", { type: "button", class: "link", onclick: () => mount(box) }, "关闭清单")),
    page.items.length ? h("div", { class: "table-wrap" }, h("table", { id: "drill-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "企业"), h("th", {}, "街道"), h("th", {}, "部门"), h("th", {}, "检查项"),
        h("th", {}, "等级"), h("th", {}, "状态"), h("th", {}, "发现"), h("th", {}, "期限"))),
      h("tbody", {}, page.items.map((hz) => h("tr", { dataset: { hazard: String(hz.hazard_id) } },
        h("td", {}, hz.enterprise_name), h("td", {}, hz.street || "—"), h("td", {}, hz.department_name),
        h("td", {}, `${hz.item_code} ${hz.item_text}`), h("td", {}, LEVEL[hz.level] || hz.level),
        h("td", {}, hz.overdue ? `逾期 ${hz.days_overdue} 天` : STATUS[hz.status] || hz.status),
        h("td", {}, fmtDate(hz.found_at)), h("td", {}, fmtDate(hz.due_at)))))))
      : h("p", { class: "muted" }, "没有隐患。"),
    page.count > PAGE ? h("p", { class: "row small" }, `第 ${offset + 1}–${Math.min(offset + PAGE, page.count)} 项`, pages)
      : null));
  box.scrollIntoView({ block: "start" });
}

export async function loadTopItems(session, box, from, to) {
  const { items } = await session.api(`/api/v1/stats/top-items?from=${from}&to=${to}&limit=5`);
  if (!items.length) return mount(box, h("p", { class: "muted" }, "统计期内没有不合格检查项。"));
  mount(box, h("div", { class: "table-wrap" }, h("table", { id: "top-items" },
    h("thead", {}, h("tr", {}, h("th", {}, "检查表"), h("th", {}, "检查项"), h("th", {}, "依据"),
      h("th", { class: "num" }, "次数"), h("th", { class: "num" }, "未闭环"))),
    h("tbody", {}, items.map((item) => h("tr", {}, h("td", {}, KIND[item.kind] || item.kind),
      h("td", {}, `${item.item_code} ${item.text}`), h("td", { class: "small" }, item.legal_basis || "—"),
      h("td", { class: "num" }, drillLink(session, item.hazards_url, "found", item.found, item.item_code)),
      h("td", { class: "num" }, drillLink(session, item.hazards_url, "not_closed", item.open, item.item_code))))))));
}

export async function loadRepeatOffenders(session, box, from, to) {
  const report = await session.api(`/api/v1/stats/repeat-offenders?from=${from}&to=${to}&limit=20`);
  if (!report.items.length) return mount(box, h("p", { class: "muted" }, "统计期内没有重复违规企业。"));
  mount(box, h("p", { class: "small" }, `共 ${report.count} 家企业`),
    h("ul", { class: "list", id: "repeat-offenders" }, report.items.map((e) => h("li", {},
      h("div", { class: "row" }, h("strong", {}, e.enterprise_name), h("span", { class: "small muted" }, e.street || ""),
        h("span", { class: "badge bad" }, `重复隐患 ${e.repeat_hazards} 项`)),
      h("ul", { class: "small" }, e.repeats.map((r) => h("li", {},
        `${r.item_code} ${r.item_text}：${fmtDate(r.earlier_found_at)} 发现`,
        r.earlier_closed_at ? `、${fmtDate(r.earlier_closed_at)} 销号` : "",
        `，${fmtDate(r.found_at)} 再次发现（${STATUS[r.status] || r.status}）`)))))));
}
