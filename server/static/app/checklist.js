// The checklist of one visit, section by section. Every answer, note and photo is written to IndexedDB as it
// is made, so a reload, a crash or a lost signal loses nothing; submitting puts it in the send queue.

import { Offline } from "/static/api.js";
import { KIND, RESULT, h, levelBadge, mount, uuid } from "/static/ui.js";
import * as db from "./db.js";
import * as outbox from "./outbox.js";
import { main, session } from "./session.js";

export function locate() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    navigator.geolocation.getCurrentPosition((p) => resolve(p.coords), () => resolve(null),
      { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
  });
}

// Returns what to undo when the screen is left (the pending save).
export async function showVisit(visitId) {
  const record = await outbox.forVisit(visitId);
  if (record && record.status !== "error") return location.replace(`#/result/${visitId}`);
  let draft = await db.get("drafts", visitId);
  if (!draft) {
    let visit;
    let checklist;
    try {
      visit = await session.api(`/api/v1/visits/${visitId}`);
      if (visit.status === "submitted") return location.replace(`#/result/${visitId}`);
      checklist = await session.api(`/api/v1/visits/${visitId}/checklist`);
    } catch (err) {
      if (err instanceof Offline) throw new Error("离线且此检查未缓存。请联网后打开一次。");
      throw err;
    }
    draft = { visit_id: visitId, user_id: session.me.id, visit, sections: checklist.sections, answers: {}, note: "",
      updated_at: new Date().toISOString() };
    await db.put("drafts", draft);
    startVisit(visit);
  }
  return renderChecklist(draft, record);
}

// Record where the visit starts (the office sees a start far from the site); never in the way of the work.
async function startVisit(visit) {
  if (visit.status !== "planned" || !navigator.onLine) return;
  const where = await locate();
  if (!where) return;
  session.api(`/api/v1/visits/${visit.id}/start`, { method: "POST",
    json: { latitude: where.latitude, longitude: where.longitude, accuracy_m: where.accuracy } }).catch(() => {});
}

function renderChecklist(draft, failedRecord) {
  const items = draft.sections.flatMap((s) => s.items);
  for (const item of items) draft.answers[item.code] ||= { result: null, note: "", photos: [] };
  const progress = h("p", { class: "small muted", id: "progress", role: "status" });
  const problems = h("div", { class: "hidden", id: "problems" });
  let timer = null;
  const save = (now = false) => {
    draft.updated_at = new Date().toISOString();
    clearTimeout(timer);
    timer = null;
    if (now) return db.put("drafts", draft);
    timer = setTimeout(() => { timer = null; db.put("drafts", draft); }, 150);
    return null;
  };
  const flushSave = () => { if (timer) save(true); };
  window.addEventListener("pagehide", flushSave);
  const update = () => {
    const done = items.filter((i) => draft.answers[i.code].result).length;
    const failed = items.filter((i) => draft.answers[i.code].result === "fail").length;
    progress.textContent = `已填 ${done} / ${items.length} 项，不合格 ${failed} 项（自动保存在手机上）`;
  };

  const overall = h("textarea", { id: "visit-note", name: "visit-note" });
  overall.value = draft.note || "";
  overall.addEventListener("input", () => { draft.note = overall.value; save(); });

  const allPass = (section) => () => {
    for (const item of section.items) {
      const answer = draft.answers[item.code];
      if (answer.result) continue;
      answer.result = "pass";
      document.querySelector(`#item-${item.code} input[value=pass]`).checked = true;
    }
    save(true);
    update();
  };

  mount(main,
    h("h1", {}, draft.visit.enterprise.name),
    h("p", { class: "small muted" }, [...new Set(draft.sections.map((s) => s.kind))].map((k) => KIND[k] || k).join("、"),
      ` · 检查编号 ${draft.visit_id}`),
    failedRecord ? h("p", { class: "notice error", role: "alert" }, `上次提交未成功：${failedRecord.error}`) : null,
    progress,
    draft.sections.map((section) => h("section", { "aria-labelledby": `sec-${section.kind}-${section.code}` },
      h("h2", { id: `sec-${section.kind}-${section.code}` }, section.title),
      h("p", { class: "section-actions" },
        h("button", { type: "button", class: "secondary", onclick: allPass(section) }, "本节未填项全部合格")),
      section.items.map((item) => itemView(item, draft, save, update)))),
    h("label", { for: "visit-note" }, "检查备注（可选）"), overall,
    problems,
    h("div", { class: "sticky-actions" },
      h("button", { type: "button", class: "block", id: "submit", onclick: () => submit(draft, items, problems, save) },
        "提交检查结果")));
  update();
  return () => { flushSave(); window.removeEventListener("pagehide", flushSave); };
}

function itemView(item, draft, save, update) {
  const id = item.code;
  const answer = draft.answers[id];
  const failBox = h("div", { class: answer.result === "fail" ? "stack" : "hidden" });
  const thumbs = h("div", { class: "thumbs" });
  const count = h("span", { class: "small muted" });

  const choices = ["pass", "fail", "not_applicable"].map((value) => {
    const input = h("input", { type: "radio", name: `r-${id}`, value, checked: answer.result === value });
    input.addEventListener("change", () => {
      answer.result = value;
      save(true);
      failBox.className = value === "fail" ? "stack" : "hidden";
      update();
    });
    const cls = { pass: "pass", fail: "fail", not_applicable: "na" }[value];
    return h("label", { class: cls }, input, RESULT[value]);
  });

  const note = h("textarea", { id: `note-${id}`, name: `note-${id}` });
  note.value = answer.note || "";
  note.addEventListener("input", () => { answer.note = note.value; save(); });

  const camera = h("input", { type: "file", accept: "image/*", capture: "environment", multiple: true,
    id: `photo-${id}`, name: `photo-${id}` });
  camera.addEventListener("change", async () => {
    for (const file of camera.files) {
      const photoId = uuid();
      await db.put("photos", { uuid: photoId, visit_id: draft.visit_id, user_id: session.me.id, blob: file,
        type: file.type, name: file.name, server_id: null, status: "local" });
      answer.photos.push(photoId);
    }
    camera.value = "";
    await save(true);
    renderThumbs();
  });

  async function renderThumbs() {
    const figures = [];
    for (const [n, photoId] of answer.photos.entries()) {
      const photo = await db.get("photos", photoId);
      if (!photo) continue;
      figures.push(h("figure", {}, h("img", { src: URL.createObjectURL(photo.blob), alt: `${id} 照片 ${n + 1}` }),
        h("button", { type: "button", class: "danger", "aria-label": `删除照片 ${n + 1}`, onclick: async () => {
          answer.photos = answer.photos.filter((p) => p !== photoId);
          await save(true);
          await db.del("photos", photoId);
          renderThumbs();
        } }, "×")));
    }
    mount(thumbs, figures);
    count.textContent = `已拍 ${answer.photos.length} 张`;
  }
  renderThumbs();

  mount(failBox,
    h("label", { for: `note-${id}` }, "问题描述"), note,
    h("div", { class: "row" },
      h("label", { class: "button secondary file-button", for: `photo-${id}` },
        item.photo_required ? "拍照取证（必须）" : "拍照取证", camera),
      count),
    thumbs);

  return h("fieldset", { id: `item-${id}`, class: "item" },
    h("legend", {}, `${item.code} ${item.text}`),
    h("div", { class: "row small" }, item.level === "major" ? levelBadge("major") : null,
      item.photo_required ? h("span", { class: "badge warn" }, "不合格须拍照") : null,
      h("span", { class: "muted" }, item.legal_basis)),
    h("div", { class: "choices", role: "radiogroup", "aria-label": `${item.code} 检查结果` }, choices),
    failBox);
}

async function submit(draft, items, problems, save) {
  const missing = [];
  for (const item of items) {
    const answer = draft.answers[item.code];
    if (!answer.result) missing.push([item.code, "未填写"]);
    else if (answer.result === "fail" && item.photo_required && !answer.photos.length) {
      missing.push([item.code, "不合格须拍照"]);
    }
  }
  if (missing.length) {
    problems.className = "notice error";
    problems.setAttribute("role", "alert");
    mount(problems, h("p", {}, `还有 ${missing.length} 项需要处理：`),
      h("ul", {}, missing.slice(0, 20).map(([code, why]) => h("li", {},
        h("button", { type: "button", class: "link", onclick: () => {
          const el = document.getElementById(`item-${code}`);
          el.scrollIntoView({ block: "center" });
          el.querySelector("input").focus();
        } }, `${code}：${why}`)))));
    return;
  }
  await save(true);
  const previous = await outbox.forVisit(draft.visit_id);
  if (previous && previous.status === "error") await outbox.discard(previous.uuid);
  await outbox.enqueue({
    uuid: uuid(),
    visit_id: draft.visit_id,
    user_id: session.me.id,
    enterprise_name: draft.visit.enterprise.name,
    captured_at: new Date().toISOString(),
    note: draft.note || "",
    results: items.map((item) => {
      const a = draft.answers[item.code];
      const failed = a.result === "fail";
      return { item_code: item.code, result: a.result, note: failed ? a.note || "" : "", photos: failed ? a.photos : [] };
    }),
  });
  location.hash = `#/result/${draft.visit_id}`;
}
