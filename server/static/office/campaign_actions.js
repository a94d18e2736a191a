// 安委办 · 专项行动: add targets from an uploaded list (CSV or Excel of 统一社会信用代码, all or nothing, bad rows
// listed), and close a campaign (a note; no more tasks or targets, the report stays). `reload` redraws the cards.

import { describe } from "/static/api.js";
import { fmtDateTime, h, say } from "/static/ui.js";

function problemList(err) {
  const rows = (err.details && Array.isArray(err.details.rows)) ? err.details.rows : [];
  return rows.length ? h("ul", { class: "small problems" }, rows.slice(0, 20).map((p) =>
    h("li", {}, `第 ${p.row} 行${p.credit_code ? `（${p.credit_code}）` : ""}：${(p.problem || "").split(" / ")[0]}`)))
    : null;
}

export function campaignActions(session, c, reload) {
  if (c.status === "closed") {
    return h("p", { class: "small muted closed-note" }, `已于 ${fmtDateTime(c.closed_at)} 结束` +
      (c.close_note ? `：${c.close_note}。` : "。") + "进展和报告仍可导出。");
  }
  const message = h("p", { class: "hidden" });
  const problems = h("div");
  const fileId = `campaign-list-${c.id}`;
  const noteId = `campaign-note-${c.id}`;
  const file = h("input", { type: "file", id: fileId, accept: ".csv,.xlsx" });
  const upload = h("button", { type: "button", class: "secondary", onclick: async () => {
    problems.replaceChildren();
    if (!file.files.length) return say(message, "请先选择名单文件（CSV 或 Excel）。", "error");
    const form = new FormData();
    form.append("file", file.files[0]);
    upload.disabled = true;
    try {
      const out = await session.api(`/api/v1/campaigns/${c.id}/targets/upload`, { method: "POST", form });
      say(message, `名单 ${out.rows} 家，新增检查对象 ${out.added} 家。`);
      await reload();
    } catch (err) {
      say(message, describe(err), "error");
      const list = problemList(err);
      if (list) problems.append(list);
    } finally {
      upload.disabled = false;
    }
  } }, "上传名单");
  const note = h("input", { type: "text", id: noteId, maxlength: "500" });
  const close = h("button", { type: "button", class: "secondary", onclick: async () => {
    close.disabled = true;
    try {
      await session.api(`/api/v1/campaigns/${c.id}/close`, { method: "POST", json: { note: note.value.trim() } });
      await reload();
    } catch (err) {
      say(message, describe(err), "error");
      close.disabled = false;
    }
  } }, "结束专项行动");
  return h("div", { class: "campaign-actions" },
    h("div", { class: "row" }, h("label", { for: fileId }, "追加检查对象名单（CSV 或 Excel，含“统一社会信用代码”列）"), file,
      upload),
    h("div", { class: "row" }, h("label", { for: noteId }, "结束说明"), note, close),
    message, problems);
}
