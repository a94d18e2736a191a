// 巡查 · 检查端: sign-off and service after submitting (REFERENCE §G.7, §G.8).
//   which 现场检查记录: the inspector's own department's part record (kind ``visit_part``, its own number) where
//     the visit's parts are numbered, else the visit's record as a whole (old visits numbered once, kind ``visit``).
//     On a joint visit each department's inspectors take the representative's signature on their own record, on
//     their own phone: each record is its own document (its own items, number and 校验码) and the signature
//     attests to the one the representative read; the server lets only that record's officers capture it.
//   the inspector signs the record for himself (each of the record's two officers on his own phone)
//   the 现场检查记录: the representative signs (first on the pad of app.js, kept offline if need be), or
//     当事人拒绝签字 is recorded with the reason and a witness; signing again, or a refusal replacing a
//     signature, asks for a reason
//   each order: its 送达回执 — 直接送达 with the recipient's signature, 留置送达 with reason, place and
//     witnesses, 电子送达 only where the enterprise agreed (the server says so otherwise)

import { describe } from "/static/api.js";
import { fmtDateTime, h, offerDownload, say, uuid } from "/static/ui.js";
import { session } from "./session.js";
import { signaturePad } from "./signature.js";

const METHOD = { direct: "直接送达", left: "留置送达", electronic: "电子送达", mail: "邮寄送达" };

async function uploadSignatureImage(visitId, pad) {
  const form = new FormData();
  form.append("client_uuid", uuid());
  form.append("visit_id", String(visitId));
  form.append("purpose", "signature");
  form.append("file", await pad.toBlob(), "signature.png");
  return session.api("/api/v1/photos", { method: "POST", form });
}

// A pad drawn once its box is on screen (a closed <details> has no size): ``holder.pad`` once ready.
function lazyPad(id, label, opener) {
  const canvas = h("canvas", { class: "signature", id, role: "img", "aria-label": label });
  const holder = { canvas, pad: null };
  const make = () => { if (!holder.pad && canvas.isConnected && canvas.getBoundingClientRect().width) holder.pad = signaturePad(canvas); };
  if (opener) opener.addEventListener("toggle", () => requestAnimationFrame(make));
  else requestAnimationFrame(make);
  holder.make = make;
  return holder;
}

// --- which record is signed ----------------------------------------------------------------------------------

// The record this inspector signs: {kind, id, number, department_id (null: the whole visit), name, officers, pdf};
// null while the visit's records are per department and his department's part has none yet (not submitted).
export function recordToSign(visit, me) {
  const mine = me && me.department ? visit.departments.find((d) => d.department_id === me.department.id) : null;
  if (mine && mine.record_number && mine.part_id) {
    return { kind: "visit_part", id: mine.part_id, number: mine.record_number, department_id: mine.department_id,
      name: mine.name, officers: visit.inspectors.filter((p) => p.department_id === mine.department_id),
      pdf: `/api/v1/visits/${visit.id}/departments/${mine.department_id}/record.pdf` };
  }
  if (visit.departments.some((d) => d.record_number)) return null;  // parts numbered, but not mine yet
  return { kind: "visit", id: visit.id, number: visit.record_number || "", department_id: null, name: "",
    officers: visit.inspectors, pdf: `/api/v1/visits/${visit.id}.pdf` };
}

const documentPath = (record) => `/api/v1/documents/${record.kind}/${record.id}`;

// --- the representative's signature on the 现场检查记录 -------------------------------------------------------

// The sections, everything fetched first and the DOM built at once: the pads size themselves on the next frame,
// so they must be on the page by then. ``firstSignature(visit, record)``: app.js's pad section (works offline).
export async function signoffAndService(visit, orders, firstSignature) {
  const record = recordToSign(visit, session.me);
  if (!record) {
    return [h("section", { class: "card stack", id: "record", "aria-labelledby": "record-title" },
      h("h2", { id: "record-title" }, "现场检查记录"),
      h("p", { class: "notice", id: "record-number" }, "本部门尚未提交检查结果：提交后在本部门的现场检查记录上签名。"))];
  }
  const [rows, receipts] = await Promise.all([
    session.api(`${documentPath(record)}/signatures`).catch(() => null),
    Promise.all(orders.map((o) => session.api(`/api/v1/documents/order/${o.id}/service`).catch((err) => err))),
  ]);
  return [recordSection(visit, record, rows), signoffSection(visit, record, rows, firstSignature),
    serviceSection(visit, orders, receipts)];
}

// The record's number and PDF, and its officers' own signatures (each signs for himself).
function recordSection(visit, record, rows) {
  const title = record.kind === "visit_part" ? `${record.name}现场检查记录` : "现场检查记录";
  const pdf = h("button", { type: "button", class: "secondary", onclick: async () => {
    pdf.disabled = true;
    try {
      offerDownload(pdf, await session.blobUrl(record.pdf), `现场检查记录-${record.number || visit.id}.pdf`);
    } catch (err) {
      pdf.disabled = false;
      alert(describe(err));
    }
  } }, "查看现场检查记录 PDF");
  const section = h("section", { class: "card stack", id: "record", "aria-labelledby": "record-title" },
    h("h2", { id: "record-title" }, title),
    h("p", { id: "record-number" }, record.number ? `编号：${record.number}` : "尚未编号。"),
    record.kind === "visit_part" ? h("p", { class: "small muted" },
      "联合检查中各部门各有一份记录：企业代表和本部门的两名执法人员在本部门的记录上签名。") : null,
    pdf);
  if (!rows) {
    section.append(h("p", { class: "small muted" }, "联网后可查看和签署执法人员签名。"));
    return section;
  }
  const signed = new Map(rows.filter((r) => r.party === "inspector" && !r.superseded_at)
    .map((r) => [r.signer_user_id, r]));
  section.append(h("ul", { class: "list", id: "officer-signatures" }, record.officers.map((p) => {
    const row = signed.get(p.user_id);
    return h("li", { class: "row" }, h("strong", {}, p.full_name),
      h("span", { class: row ? "badge ok" : "badge warn" }, row ? `已签名 ${fmtDateTime(row.captured_at)}` : "未签名"));
  })));
  const me = record.officers.find((p) => p.user_id === session.me.id);
  if (me && !signed.has(me.user_id)) section.append(officerSignForm(visit, record));
  return section;
}

function officerSignForm(visit, record) {
  const message = h("p", { class: "hidden" });
  const pad = lazyPad("officer-pad", "签名区：执法人员本人在此签名");
  const button = h("button", { type: "button", id: "officer-sign", onclick: async () => {
    if (!pad.pad || pad.pad.isEmpty()) return say(message, "请先签名", "error");
    button.disabled = true;
    try {
      const photo = await uploadSignatureImage(visit.id, pad.pad);
      await session.api(`${documentPath(record)}/signatures`, { method: "POST",
        json: { party: "inspector", photo_id: photo.id } });
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (err) {
      button.disabled = false;
      say(message, `签名失败：${describe(err)}`, "error");
    }
  } }, "确认本人签名");
  return h("div", { class: "stack", id: "officer-sign-box" },
    h("p", { class: "small muted" }, `请 ${session.me.full_name || "本人"} 在下方框内签名（执法人员签名）。`),
    pad.canvas, message,
    h("div", { class: "row" },
      h("button", { type: "button", class: "secondary", onclick: () => pad.pad && pad.pad.clear() }, "清除"), button));
}

// What is on record, refusal, re-signing.
function signoffSection(visit, record, rows, firstSignature) {
  if (!rows) return firstSignature(visit, record);  // offline: the pad alone, its signature queued
  const current = rows.filter((r) => r.party === "enterprise" && !r.superseded_at).at(-1);
  if (!current && !visit.signature_photo_id) {
    const section = firstSignature(visit, record);
    section.append(refusalForm(visit, record, null));
    return section;
  }
  const earlier = rows.filter((r) => r.party === "enterprise" && r.superseded_at);
  return h("section", { class: "card stack", "aria-labelledby": "sign-title" },
    h("h2", { id: "sign-title" }, "企业代表签名"),
    !current ? h("p", { class: "notice ok", id: "signed" }, "企业代表已签名。")
      : current.refused ? h("p", { class: "notice", id: "refused" },
        `当事人拒绝签字（理由：${current.refusal_reason}；见证人：${current.witness}）· ${fmtDateTime(current.captured_at)}`)
        : h("p", { class: "notice ok", id: "signed" },
          `企业代表已签名：${current.signer_name}（${fmtDateTime(current.captured_at)}）`),
    earlier.length ? h("ul", { class: "small muted", id: "signature-history" }, earlier.map((r) => h("li", {},
      `${fmtDateTime(r.captured_at)} ${r.refused ? "拒绝签字" : `${r.signer_name} 签名`}，` +
      `${fmtDateTime(r.superseded_at)} 被替换`))) : null,
    resignForm(visit, record, current),
    current && !current.refused ? refusalForm(visit, record, current) : null);
}

function resignForm(visit, record, current) {
  const message = h("p", { class: "hidden" });
  const details = h("details", { id: "resign" }, h("summary", {}, "重新签名"));
  const pad = lazyPad("resign-pad", "签名区：请企业代表在此重新签名", details);
  const form = h("form", { class: "stack", "aria-label": "重新签名" },
    h("label", { for: "resign-reason" }, "重新签名的理由"),
    h("textarea", { id: "resign-reason", name: "reason", required: true, maxlength: 255 }),
    h("label", { for: "resign-name" }, "签名人姓名"),
    h("input", { id: "resign-name", name: "signer", required: true, maxlength: 64,
      value: (current && !current.refused && current.signer_name) || visit.representative_name || "" }),
    pad.canvas, message,
    h("div", { class: "row" },
      h("button", { type: "button", class: "secondary", onclick: () => pad.pad && pad.pad.clear() }, "清除"),
      h("button", { type: "submit" }, "确认重新签名")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = form.reason.value.trim();
    if (!reason) return say(message, "请填写重新签名的理由", "error");
    if (!pad.pad || pad.pad.isEmpty()) return say(message, "请先签名", "error");
    try {
      const photo = await uploadSignatureImage(visit.id, pad.pad);
      await session.api(`${documentPath(record)}/signatures`, { method: "POST",
        json: { party: "enterprise", photo_id: photo.id, signer_name: form.signer.value.trim(), reason } });
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (err) {
      say(message, `签名失败：${describe(err)}`, "error");
    }
  });
  details.append(form);
  return details;
}

// 当事人拒绝签字; ``replacing``: the signature it replaces (a reason is then asked).
function refusalForm(visit, record, replacing) {
  const message = h("p", { class: "hidden" });
  const form = h("form", { class: "stack", "aria-label": "当事人拒绝签字" },
    h("label", { for: "refusal-reason" }, "拒绝签字的理由"),
    h("textarea", { id: "refusal-reason", name: "refusal", required: true, maxlength: 255 }),
    h("label", { for: "refusal-witness" }, "见证人姓名（及身份）"),
    h("input", { id: "refusal-witness", name: "witness", required: true, maxlength: 64,
      placeholder: "例如：李某（街道安监员）" }),
    replacing ? [h("label", { for: "refusal-change" }, "替换已有签名的理由"),
      h("textarea", { id: "refusal-change", name: "change", required: true, maxlength: 255 })] : null,
    message,
    h("button", { type: "submit", class: "secondary" }, "记录拒绝签字"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { refusal_reason: form.refusal.value.trim(), witness: form.witness.value.trim(),
      signer_name: visit.representative_name || "", reason: replacing ? form.change.value.trim() : "" };
    if (!body.refusal_reason || !body.witness) return say(message, "请填写拒绝签字的理由和见证人", "error");
    try {
      await session.api(`${documentPath(record)}/refusal`, { method: "POST", json: body });
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (err) {
      say(message, `记录失败：${describe(err)}`, "error");
    }
  });
  return h("details", { id: "refusal" }, h("summary", {}, "当事人拒绝签字"), form);
}

// --- service of the orders -------------------------------------------------------------------------------------

function serviceSection(visit, orders, receipts) {
  if (!orders.length) return null;
  const boxes = orders.map((order, n) => orderService(visit, order, receipts[n]));
  return h("section", { class: "stack", "aria-labelledby": "service-title" },
    h("h2", { id: "service-title" }, "送达"), boxes);
}

function orderService(visit, order, receipts) {
  const box = h("div", { class: "card stack", id: `service-${order.id}` }, h("h3", {}, `${order.number} 送达`));
  if (!Array.isArray(receipts)) {
    box.append(h("p", { class: "small muted" }, `送达记录暂不可用：${describe(receipts)}`));
    return box;
  }
  if (receipts.length) {
    box.append(h("ul", { class: "list" }, receipts.map((r) => {
      const pdf = h("button", { type: "button", class: "secondary", onclick: async () => {
        offerDownload(pdf, await session.blobUrl(r.pdf_url), `送达回执-${order.number}.pdf`);
      } }, "送达回执 PDF");
      return h("li", {}, h("p", {}, h("span", { class: "badge ok" }, METHOD[r.method] || r.method),
        ` ${fmtDateTime(r.served_at)}${r.recipient_name ? ` · 受送达人 ${r.recipient_name}` : ""}`), pdf);
    })));
    return box;
  }
  box.append(h("p", { class: "small muted" }, "尚未送达。"), serviceForm(visit, order));
  return box;
}

function serviceForm(visit, order) {
  const id = order.id;
  const message = h("p", { class: "hidden", role: "alert" });
  const pad = lazyPad(`service-pad-${id}`, "签名区：请受送达人在此签收");
  const parts = {
    direct: h("div", { class: "stack" }, h("p", { class: "small muted" }, "请受送达人在下方签收。"), pad.canvas,
      h("button", { type: "button", class: "secondary", onclick: () => pad.pad && pad.pad.clear() }, "清除")),
    left: h("div", { class: "stack hidden" },
      h("label", { for: `left-reason-${id}` }, "拒收事由"),
      h("textarea", { id: `left-reason-${id}`, name: "leftReason", maxlength: 255 }),
      h("label", { for: `left-place-${id}` }, "留置地点"),
      h("input", { id: `left-place-${id}`, name: "place", maxlength: 255 }),
      h("label", { for: `left-w1-${id}` }, "见证人一"),
      h("input", { id: `left-w1-${id}`, name: "w1", maxlength: 64 }),
      h("label", { for: `left-w2-${id}` }, "见证人二"),
      h("input", { id: `left-w2-${id}`, name: "w2", maxlength: 64 })),
    electronic: h("p", { class: "small muted hidden" }, "仅限已签署电子送达确认书的企业，送达至其确认的地址。"),
  };
  const choose = (method) => {
    Object.entries(parts).forEach(([key, el]) => el.classList.toggle("hidden", key !== method));
    if (method === "direct") requestAnimationFrame(pad.make);
  };
  const form = h("form", { class: "stack", "aria-label": `${order.number} 记录送达` },
    h("fieldset", {}, h("legend", {}, "送达方式"),
      ["direct", "left", "electronic"].map((m) => h("label", { class: "row" },
        h("input", { type: "radio", name: "method", value: m, checked: m === "direct",
          onchange: () => choose(m) }), METHOD[m]))),
    h("label", { for: `recipient-${id}` }, "受送达人"),
    h("input", { id: `recipient-${id}`, name: "recipient", maxlength: 64, value: visit.representative_name || "" }),
    parts.direct, parts.left, parts.electronic, message,
    h("button", { type: "submit" }, "记录送达"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const method = form.method.value;
    const body = { method, served_at: new Date().toISOString(), recipient_name: form.recipient.value.trim() };
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      if (method === "direct") {
        if (!pad.pad || pad.pad.isEmpty()) throw new Error("请受送达人先签收");
        body.signature_photo_id = (await uploadSignatureImage(visit.id, pad.pad)).id;
      }
      if (method === "left") {
        Object.assign(body, { left_reason: form.leftReason.value.trim(), place: form.place.value.trim(),
          witnesses: [form.w1.value.trim(), form.w2.value.trim()].filter(Boolean) });
      }
      await session.api(`/api/v1/documents/order/${id}/service`, { method: "POST", json: body });
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (err) {
      button.disabled = false;
      say(message, `未能记录送达：${describe(err)}`, "error");
    }
  });
  return form;
}
