// Rectification evidence waiting for this inspector's department: accept (closes the hazard) or send back.

import { describe } from "/static/api.js";
import { daysLeftText, fmtDate, fmtDateTime, h, levelBadge, mount, say, statusBadge } from "/static/ui.js";
import { main, session } from "./session.js";

export async function showReview() {
  const department = session.me.department ? `&department_id=${session.me.department.id}` : "";
  const page = await session.api(`/api/v1/hazards?status=submitted${department}&limit=50`);
  mount(main, h("h1", {}, "整改审核"),
    h("p", { class: "small muted" }, "企业已提交整改材料、等待本部门审核的隐患。"),
    page.items.length ? h("ul", { class: "list", id: "review-list" }, page.items.map(reviewItem))
      : h("p", { class: "muted" }, "没有待审核的整改材料。"),
    h("a", { href: "#/", class: "button secondary block" }, "返回今日任务"));
}

function reviewItem(hz) {
  const thumbs = h("div", { class: "thumbs" });
  const evidenceBox = h("div", {}, h("p", { class: "small muted" }, "正在加载整改材料…"));
  const message = h("p", { class: "hidden" });
  const reason = h("textarea", { id: `reason-${hz.id}`, name: "reason" });
  session.api(`/api/v1/hazards/${hz.id}/evidence`).then((rows) => {
    const last = rows.at(-1);
    if (!last) return mount(evidenceBox);
    mount(evidenceBox, h("p", {}, `整改说明：${last.note || "（无）"}`),
      h("p", { class: "small muted" }, `提交于 ${fmtDateTime(last.submitted_at)}`), thumbs);
    last.photo_ids.forEach(async (id, n) => {
      const src = await session.blobUrl(`/api/v1/photos/${id}?variant=thumb`).catch(() => null);
      if (src) thumbs.append(h("img", { src, alt: `整改后照片 ${n + 1}` }));
    });
  }).catch((err) => mount(evidenceBox, h("p", { class: "small" }, describe(err))));
  const decide = (verb, body) => async (event) => {
    event.target.disabled = true;
    try {
      await session.api(`/api/v1/hazards/${hz.id}/${verb}`, { method: "POST", json: body() });
      await showReview();
    } catch (err) {
      event.target.disabled = false;
      say(message, describe(err), "error");
    }
  };
  return h("li", { id: `review-${hz.id}` },
    h("div", { class: "row" }, h("strong", {}, hz.enterprise_name), levelBadge(hz.level), statusBadge(hz)),
    h("p", {}, `${hz.item_code} ${hz.description}`),
    h("p", { class: "small muted" }, `整改期限 ${fmtDate(hz.due_at)}（${daysLeftText(hz)}）`),
    evidenceBox,
    h("label", { for: `reason-${hz.id}` }, "审核意见（退回时必填）"), reason, message,
    h("div", { class: "row" },
      h("button", { type: "button", onclick: decide("accept", () => ({ note: reason.value.trim() })) }, "通过，销号"),
      h("button", { type: "button", class: "danger", onclick: decide("reject", () => ({ reason: reason.value.trim() })) },
        "退回重改")));
}
