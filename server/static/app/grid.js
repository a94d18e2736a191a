// 巡查 · 网格员: the grid worker's screens in the same phone app (安消一体化). Hash routes:
//   #/          the venues of the worker's street and their recent checks
//   #/grid/N    the 九小场所 checklist for venue N; a failed item is referred to its enforcing department
// A grid check is advice, never an order: the app says so on every screen.

import { describe } from "/static/api.js";
import { fmtDate, fmtDateTime, h, mount, say, uuid } from "/static/ui.js";
import { main, session } from "./session.js";

const ADVISORY = "网格巡查仅作提示：不合格项将移送执法部门处理，不开具执法文书。";

export async function showGridHome() {
  const [venues, checks] = await Promise.all([session.api("/api/v1/grid/venues?limit=500"),
    session.api("/api/v1/grid/checks?limit=20")]);
  mount(main,
    h("h1", {}, `网格巡查 · ${venues.street}`),
    h("p", { class: "notice" }, ADVISORY),
    h("section", { class: "card", "aria-labelledby": "venues-title" },
      h("h2", { id: "venues-title" }, `本网格场所（${venues.total}）`),
      venues.items.length ? h("ul", { class: "list", id: "venues" }, venues.items.map((v) => h("li", {},
        h("a", { href: `#/grid/${v.id}` }, h("strong", {}, v.name)),
        h("p", { class: "small muted" }, v.address || "—", " · ",
          v.last_checked_at ? `上次巡查 ${fmtDate(v.last_checked_at)}` : "尚未巡查"))))
        : h("p", { class: "muted" }, "本网格暂无登记场所。")),
    h("section", { class: "card", "aria-labelledby": "checks-title" },
      h("h2", { id: "checks-title" }, "最近巡查"),
      checks.length ? h("ul", { class: "list", id: "grid-checks" }, checks.map((c) => h("li", {},
        h("strong", {}, c.enterprise_name),
        h("p", { class: "small" }, `${fmtDateTime(c.checked_at)} · 不合格 ${c.failed} 项 · 已移送 ${c.referrals} 项`))))
        : h("p", { class: "muted" }, "还没有巡查记录。")));
}

export async function showGridCheck(venueId) {
  const [venues, sheet] = await Promise.all([session.api("/api/v1/grid/venues?limit=500"),
    session.api("/api/v1/grid/checklist")]);
  const venue = venues.items.find((v) => v.id === venueId);
  if (!venue) {
    return mount(main, h("p", { class: "notice" }, "本网格内没有该场所。"), h("a", { href: "#/", class: "button" }, "返回"));
  }
  const key = uuid(); // one per form: a retry after a lost answer is the same check
  const message = h("p", { class: "hidden", role: "status" });
  const rows = [];
  const sections = sheet.sections.map((section) => h("fieldset", { class: "card" },
    h("legend", {}, section.title),
    section.items.map((item) => {
      const name = `r-${item.code}`;
      const note = h("textarea", { name: `note-${item.code}`, rows: 2, class: "hidden", placeholder: "不合格情况（必填）",
        "aria-label": `${item.code} 不合格情况` });
      const choice = (value, text, cls) => h("label", { class: cls },
        h("input", { type: "radio", name, value, checked: value === "pass",
          onchange: () => note.classList.toggle("hidden", value !== "fail") }), text);
      rows.push({ code: item.code, name, note });
      return h("div", { class: "item", "data-code": item.code },
        h("p", {}, h("strong", {}, item.code), " ", item.text),
        h("p", { class: "small muted" }, `执法部门：${item.departments.join("、")}${item.advisory ? "（提示项）" : ""}`),
        h("div", { class: "choices", role: "radiogroup", "aria-label": `${item.code} 巡查结果` },
          choice("pass", "合格", "pass"), choice("fail", "不合格", "fail"), choice("not_applicable", "不涉及", "na")),
        note);
    })));
  const submit = h("button", { type: "submit", class: "block" }, "提交巡查并移送");
  const form = h("form", {}, sections, message, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const results = rows.map(({ code, name, note }) => {
      const picked = form.querySelector(`input[name="${name}"]:checked`);
      return { item_code: code, result: picked ? picked.value : "pass", note: note.value.trim() };
    });
    submit.disabled = true;
    try {
      const out = await session.api("/api/v1/grid/checks", { method: "POST", json: {
        client_uuid: key, enterprise_id: venueId, checked_at: new Date().toISOString(), results } });
      mount(main, h("h1", {}, "巡查已提交"),
        h("p", { class: "notice", id: "grid-done" }, `${out.enterprise_name}：不合格 ${out.failed} 项，已移送执法部门 ${out.referrals} 项。`),
        h("p", { class: "small muted" }, ADVISORY), h("a", { href: "#/", class: "button" }, "返回网格"));
    } catch (err) {
      submit.disabled = false;
      say(message, describe(err), "error");
    }
  });
  mount(main, h("h1", {}, venue.name), h("p", { class: "notice" }, ADVISORY),
    h("p", { class: "small muted" }, `${sheet.title}（第 ${sheet.version} 版）`), form);
}
