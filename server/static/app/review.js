// What waits for this inspector's department: rectification evidence (accept, which closes the hazard, or send
// back, with a new deadline if need be) and extension requests (approve, for the date asked or another, or refuse).

import { describe } from "/static/api.js";
import { dateInput, daysLeftText, fmtDate, fmtDateTime, h, levelBadge, mount, say, statusBadge } from "/static/ui.js";
import { main, session } from "./session.js";

export async function showReview() {
  const departmentId = session.me.department ? session.me.department.id : null;
  const department = departmentId ? `&department_id=${departmentId}` : "";
  const [page, extensions] = await Promise.all([
    session.api(`/api/v1/hazards?status=submitted${department}&limit=50`),
    session.api(`/api/v1/extensions/pending${departmentId ? `?department_id=${departmentId}` : ""}`),
  ]);
  mount(main, h("h1", {}, "整改审核"),
    h("p", { class: "small muted" }, "企业已提交整改材料、等待本部门审核的隐患。"),
    page.items.length ? h("ul", { class: "list", id: "review-list" }, page.items.map(reviewItem))
      : h("p", { class: "muted" }, "没有待审核的整改材料。"),
    h("h2", { id: "extensions-title" }, "延期申请"),
    extensions.length ? h("ul", { class: "list", id: "extension-list", "aria-labelledby": "extensions-title" },
      extensions.map(extensionItem))
      : h("p", { class: "muted" }, "没有待审批的延期申请。"),
    h("a", { href: "#/", class: "button secondary block" }, "返回今日任务"));
}

// decide(path, body) posts and redraws the screen, or says why not next to the buttons
function decider(message) {
  return (path, body) => async (event) => {
    event.target.disabled = true;
    try {
      await session.api(path, { method: "POST", json: body() });
      await showReview();
    } catch (err) {
      event.target.disabled = false;
      say(message, describe(err), "error");
    }
  };
}

function extensionItem({ extension: ex, hazard: hz }) {
  const message = h("p", { class: "hidden" });
  const decide = decider(message);
  const due = dateInput({ id: `extend-to-${ex.id}`, value: ex.requested_due_date });
  const note = h("textarea", { id: `extend-note-${ex.id}`, name: "note" });
  return h("li", { id: `extension-${ex.id}` },
    h("div", { class: "row" }, h("strong", {}, hz.enterprise_name), levelBadge(hz.level), statusBadge(hz)),
    h("p", {}, `${hz.item_code} ${hz.description}`),
    h("p", { class: "small muted" },
      `现整改期限 ${fmtDate(hz.due_at)}（${daysLeftText(hz)}），申请延至 ${ex.requested_due_date.replaceAll("-", "/")}`),
    h("p", {}, `延期理由：${ex.reason}`),
    ex.interim_measures ? h("p", {}, `临时安全措施：${ex.interim_measures}`) : null,
    h("p", { class: "small muted" }, `申请于 ${fmtDateTime(ex.requested_at)}`),
    h("label", { for: `extend-to-${ex.id}` }, "批准延至"), due,
    h("label", { for: `extend-note-${ex.id}` }, "审批意见"), note, message,
    h("div", { class: "row" },
      h("button", { type: "button", onclick: decide(`/api/v1/extensions/${ex.id}/approve`, () => ({
        note: note.value.trim(), due_date: due.value && due.value !== ex.requested_due_date ? due.value : null,
      })) }, "批准延期"),
      h("button", { type: "button", class: "danger", onclick: decide(`/api/v1/extensions/${ex.id}/refuse`,
        () => ({ note: note.value.trim() })) }, "不予延期")));
}

const FLAG_TITLES = {
  near_match: "疑似重复使用照片",
  captured_before_finding: "拍摄时间早于隐患发现时间",
  captured_in_future: "拍摄时间晚于当前时间",
};

// A flag the server put on the evidence, for the reviewer to look at: a near match shows the after-photo and the
// photo it resembles side by side; a capture time that cannot be says when the photo claims to have been taken.
function flagBox(hz, flag, n) {
  const box = h("div", { class: "notice error review-flag", id: `flag-${hz.id}-${n}`, "data-kind": flag.kind },
    h("strong", {}, `⚠ ${FLAG_TITLES[flag.kind] || flag.kind}`), h("p", { class: "small" }, flag.message),
    flag.captured_at ? h("p", { class: "small" }, `照片拍摄时间 ${fmtDateTime(flag.captured_at)}`) : null);
  if (flag.kind === "near_match") {
    const pair = h("div", { class: "thumbs side-by-side" });
    box.append(pair);
    const shown = [[flag.photo_id, "整改照片"],
      [flag.match_photo_id, flag.match_role === "before" ? "隐患照片" : `隐患 #${flag.match_hazard_id} 的整改照片`]];
    Promise.all(shown.map(([id]) => session.blobUrl(`/api/v1/photos/${id}?variant=thumb`).catch(() => null)))
      .then((urls) => urls.forEach((src, i) => pair.append(h("figure", {},
        src ? h("img", { src, alt: `${shown[i][1]} #${shown[i][0]}` }) : null,
        h("figcaption", { class: "small" }, `${shown[i][1]} #${shown[i][0]}`)))));
  }
  return box;
}

function reviewItem(hz) {
  const thumbs = h("div", { class: "thumbs" });
  const evidenceBox = h("div", {}, h("p", { class: "small muted" }, "正在加载整改材料…"));
  const message = h("p", { class: "hidden" });
  const reason = h("textarea", { id: `reason-${hz.id}`, name: "reason" });
  const newDue = dateInput({ id: `new-due-${hz.id}` });
  session.api(`/api/v1/hazards/${hz.id}/evidence`).then((rows) => {
    const last = rows.at(-1);
    if (!last) return mount(evidenceBox);
    mount(evidenceBox, h("p", {}, `整改说明：${last.note || "（无）"}`),
      h("p", { class: "small muted" }, `提交于 ${fmtDateTime(last.submitted_at)}`), thumbs,
      ...(last.flags || []).map((flag, n) => flagBox(hz, flag, n)));
    last.photo_ids.forEach(async (id, n) => {
      const src = await session.blobUrl(`/api/v1/photos/${id}?variant=thumb`).catch(() => null);
      if (src) thumbs.append(h("img", { src, alt: `整改后照片 ${n + 1}` }));
    });
  }).catch((err) => mount(evidenceBox, h("p", { class: "small" }, describe(err))));
  const post = decider(message);
  const decide = (verb, body) => post(`/api/v1/hazards/${hz.id}/${verb}`, body);
  return h("li", { id: `review-${hz.id}` },
    h("div", { class: "row" }, h("strong", {}, hz.enterprise_name), levelBadge(hz.level), statusBadge(hz)),
    h("p", {}, `${hz.item_code} ${hz.description}`),
    h("p", { class: "small muted" }, `整改期限 ${fmtDate(hz.due_at)}（${daysLeftText(hz)}）`),
    evidenceBox,
    h("label", { for: `reason-${hz.id}` }, "审核意见（退回时必填）"), reason,
    h("label", { for: `new-due-${hz.id}` }, "退回后的整改期限（不填则沿用原期限）"), newDue, message,
    h("div", { class: "row" },
      h("button", { type: "button", onclick: decide("accept", () => ({ note: reason.value.trim() })) }, "通过，销号"),
      h("button", { type: "button", class: "danger", onclick: decide("reject", () => ({
        reason: reason.value.trim(), new_due_date: newDue.value || null })) }, "退回重改")));
}
