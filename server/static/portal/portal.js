// 巡查 · 企业端. Two ways in:
//   /portal/orders/<token>  the QR on a printed order: that order alone, no account (the link's own API)
//   /portal/                 login: every order and hazard of the enterprise, who visited, ratings
// Both show an order the same way; a "backend" object hides which API answers.

import { Session, describe, request } from "/static/api.js";
import {
  VISIT_STATUS, dateInput, daysLeftText, fmtDate, fmtDateTime, h, levelBadge, loginForm, mount, offerDownload, say,
  screenFailed, statusBadge, uuid,
} from "/static/ui.js";
import { inboxLink, showInbox } from "/static/inbox.js";
import { serviceText, serviceView, showService } from "/portal/service.js";
import { showInsurance } from "/portal/insurance.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const session = new Session("portal");
const linkToken = (location.pathname.match(/^\/portal\/orders\/([^/]+)$/) || [])[1];

if (linkToken) showLinkedOrder(linkToken);
else {
  window.addEventListener("hashchange", route);
  route();
}

// --- the two backends -------------------------------------------------------------------------------------------

function linkBackend(token) {
  const base = `/api/v1/portal/orders/${encodeURIComponent(token)}`;
  return {
    photoSrc: async (id) => `${base}/photos/${id}?variant=thumb`,
    pdfUrl: async (order) => order.pdf_url,
    upload: (form) => request(`${base}/photos`, { method: "POST", form }),
    evidence: (hazardId, body) => request(`${base}/hazards/${hazardId}/evidence`, { method: "POST", json: body }),
    extension: (hazardId, body) => request(`${base}/hazards/${hazardId}/extensions`, { method: "POST", json: body }),
  };
}

const accountBackend = {
  photoSrc: (id) => session.blobUrl(`/api/v1/photos/${id}?variant=thumb`),
  pdfUrl: (order) => session.blobUrl(order.pdf_url),
  upload: (form) => session.api("/api/v1/photos", { method: "POST", form }),
  evidence: (hazardId, body) => session.api(`/api/v1/hazards/${hazardId}/evidence`, { method: "POST", json: body }),
  extension: (hazardId, body) => session.api(`/api/v1/hazards/${hazardId}/extensions`, { method: "POST", json: body }),
  receiptUrl: (id) => session.blobUrl(`/api/v1/service-receipts/${id}.pdf`),
};

// An order from the logged-in API with what the link API already includes: evidence and extensions per hazard.
async function loadAccountOrder(id) {
  const order = await session.api(`/api/v1/orders/${id}`);
  await Promise.all(order.hazards.map(async (hz) => {
    [hz.evidence, hz.extensions] = await Promise.all([session.api(`/api/v1/hazards/${hz.id}/evidence`),
      session.api(`/api/v1/hazards/${hz.id}/extensions`)]);
  }));
  return order;
}

// --- opened from the printed QR ---------------------------------------------------------------------------------

async function showLinkedOrder(token) {
  mount(nav, h("span", { class: "small" }, "扫码查看（无需登录）"));
  const load = async () => {
    try {
      const order = await request(`/api/v1/portal/orders/${encodeURIComponent(token)}`);
      mount(main, orderView(order, linkBackend(token), load),
        h("p", { class: "small muted" }, `此链接有效期至 ${fmtDate(order.link_expires_at)}。`,
          "查看本企业全部整改指令书请", h("a", { href: "/portal/" }, "登录企业端"), "。"));
    } catch (err) {
      mount(main, h("h1", {}, "整改指令书"), h("p", { class: "notice error", role: "alert" },
        err.code === "expired_token" ? "链接已过期，请登录企业端查看。" : `无法打开：${describe(err)}`),
      h("a", { href: "/portal/", class: "button" }, "登录企业端"));
    }
  };
  await load();
}

// --- logged in ----------------------------------------------------------------------------------------------------

async function route() {
  if (!session.token) return showLogin();
  const inbox = inboxLink(session, "#/inbox");
  mount(nav, h("a", { href: "#/" }, "整改指令书"), h("a", { href: "#/visits" }, "检查记录与评价"),
    h("a", { href: "#/leases" }, "厂房出租申请"), h("a", { href: "#/service" }, "电子送达"),
    h("a", { href: "#/insurance" }, "安责险保单"), inbox.link,
    h("button", { type: "button", class: "link", onclick: () => { session.logout(); route(); } }, "退出"));
  const asked = location.hash;
  const [name, arg] = asked.replace(/^#\/?/, "").split("/");
  try {
    if (name === "order") {
      const load = async () => mount(main, h("a", { href: "#/" }, "← 全部整改指令书"),
        orderView(await loadAccountOrder(Number(arg)), accountBackend, load));
      await load();
    } else if (name === "visits") await showVisits();
    else if (name === "leases") await showLeases();
    else if (name === "inbox") await showInbox(session, main, { open: openInboxItem, onChange: inbox.refresh });
    else if (name === "service") await showService(session, main);
    else if (name === "insurance") await showInsurance(session, main);
    else await showOrders();
  } catch (err) {
    screenFailed(err, { session, main, showLogin });
  }
  // another screen was asked for while this one loaded (a slow list answering after the user moved on): it may
  // have been drawn before this one, so draw it again on top
  if (location.hash !== asked) route();
}

// An inbox item's link: a hazard opens the order it is on.
async function openInboxItem(item) {
  if (!item.hazard_id) return;
  const hazard = await session.api(`/api/v1/hazards/${item.hazard_id}`);
  location.hash = hazard.order_ids.length ? `#/order/${hazard.order_ids[hazard.order_ids.length - 1]}` : "#/";
}

function showLogin() {
  mount(nav);
  mount(main, loginForm({
    title: "企业端登录",
    hint: "查看本企业的整改指令书和隐患、上传整改照片、申请延期、评价检查。扫描整改指令书上的二维码可直接查看该指令书。",
    onSubmit: async (username, password) => {
      const me = await session.login(username, password);
      if (me.role !== "enterprise") {
        session.logout();
        throw new Error("此入口供企业使用；检查人员请用 /app/，安委办请用 /office/");
      }
      route();
    },
  }));
}

async function showOrders() {
  const page = await session.api("/api/v1/orders?limit=100");
  mount(main, h("h1", {}, `${session.me.full_name} · 整改指令书`),
    page.items.length ? h("ul", { class: "list", id: "orders" }, page.items.map((o) => {
      const open = o.hazards.filter((hz) => hz.status === "open" || hz.status === "submitted");
      const soonest = open.map((hz) => hz.days_left).sort((a, b) => a - b)[0];
      return h("li", { class: "clickable" }, h("a", { href: `#/order/${o.id}` },
        h("strong", {}, o.number),
        h("div", { class: "small muted" }, `${o.department_name} · ${fmtDate(o.issued_at)}`, o.service ? ` · ${serviceText(o.service)}` : ""),
        h("div", { class: "row small" }, h("span", {}, `隐患 ${o.hazards.length} 项，未销号 ${open.length} 项`),
          open.some((hz) => hz.overdue) ? h("span", { class: "badge bad" }, "有逾期")
            : soonest !== undefined ? h("span", { class: "badge warn" }, `最近期限剩余 ${soonest} 天`)
              : h("span", { class: "badge ok" }, "已全部销号"))));
    })) : h("p", { class: "muted" }, "暂无整改指令书。"));
}

// --- one order ----------------------------------------------------------------------------------------------------

function orderView(order, backend, reload) {
  const pdf = h("button", { type: "button", class: "secondary", onclick: async () => {
    offerDownload(pdf, await backend.pdfUrl(order), `${order.number}.pdf`);
  } }, "下载整改指令书 PDF");
  return h("article", { "aria-labelledby": "order-number" },
    h("h1", { id: "order-number" }, order.number),
    h("p", { class: "muted" }, `${order.enterprise_name} · ${order.department_name} · 签发于 ${fmtDate(order.issued_at)}`),
    pdf,
    serviceView(order, backend.receiptUrl),
    h("h2", {}, `隐患 ${order.hazards.length} 项`),
    h("ul", { class: "list", id: "hazards" }, order.hazards.map((hz) => hazardView(hz, backend, reload))),
    (order.voided || []).length ? h("div", { id: "voided" }, h("h2", {}, "已作废的隐患"),
      h("ul", {}, order.voided.map((v) => h("li", { class: "small muted" }, v.note)))) : null);
}

const EXTENSION_STATUS = { pending: "待审批", approved: "已批准", refused: "未批准" };

// One photo's thumbnail, fetched as the backend allows; one that cannot be shown says so.
function thumb(id, backend, alt) {
  const slot = h("span", { class: "thumb-slot" });
  const gone = () => slot.replaceChildren(h("span", { class: "small muted" }, `${alt} 暂不可用`));
  backend.photoSrc(id).then((src) => {
    const img = h("img", { src, alt, "data-photo-id": String(id) });
    img.addEventListener("error", gone);
    slot.replaceChildren(img);
  }, gone);
  return slot;
}

function thumbs(ids, backend, label, attrs = {}) {
  return h("div", { class: "thumbs", ...attrs }, ids.map((id, n) => thumb(id, backend, `${label} ${n + 1}`)));
}

function hazardView(hz, backend, reload) {
  const before = thumbs(hz.before_photo_ids, backend, "检查时照片");
  // after-photos taken by the inspectors (fixed on the spot, or at the re-inspection); the enterprise's own are
  // shown under each evidence below
  const sent = new Set(hz.evidence.flatMap((ev) => ev.photo_ids));
  const taken = hz.after_photo_ids.filter((id) => !sent.has(id));
  const after = taken.length
    ? h("div", {}, h("p", { class: "small muted" }, "检查人员拍摄的整改后照片"),
      thumbs(taken, backend, "检查人员拍摄的整改后照片", { class: "thumbs after-photos" }))
    : null;
  return h("li", { id: `hazard-${hz.id}` },
    h("div", { class: "row" }, h("strong", {}, hz.item_code), levelBadge(hz.level), statusBadge(hz)),
    h("p", {}, hz.description),
    h("p", { class: "small muted" }, `依据：${hz.legal_basis}`),
    h("p", { class: hz.overdue ? "notice error" : "small" },
      `整改期限 ${fmtDate(hz.due_at)} · ${daysLeftText(hz)}`),
    before,
    after,
    hz.evidence.length ? h("div", {}, h("h3", {}, "整改材料与审核"), h("ul", {}, hz.evidence.map((ev) => h("li", {
      class: "evidence", "data-evidence-id": String(ev.id) },
      `${fmtDateTime(ev.submitted_at)} 提交 ${ev.photo_ids.length} 张照片${ev.note ? `：${ev.note}` : ""} — `,
      ev.accepted === true ? h("span", { class: "badge ok" }, "审核通过")
        : ev.accepted === false ? h("span", { class: "badge bad" }, `退回：${ev.review_reason}`)
          : h("span", { class: "badge warn" }, "待审核"),
      thumbs(ev.photo_ids, backend, "整改后照片", { class: "thumbs after-photos" }),
      (ev.plan_photo_ids || []).length ? thumbs(ev.plan_photo_ids, backend, "治理方案") : null,
      ...(ev.flags || []).map((flag) => h("p", { class: "notice error small evidence-flag", "data-kind": flag.kind },
        `⚠ ${flag.message}`)))))) : null,
    hz.extensions.length ? h("div", {}, h("h3", {}, "延期申请"), h("ul", {}, hz.extensions.map((ex) => h("li", {},
      `申请延至 ${fmtDate(ex.requested_due_date)}：${EXTENSION_STATUS[ex.status] || ex.status}`,
      ex.decision_note ? `（${ex.decision_note}）` : "")))) : null,
    hz.status === "open" ? evidenceForm(hz, backend, reload) : null,
    hz.status === "open" && !hz.overdue && !hz.extensions.some((e) => e.status === "pending")
      ? extensionForm(hz, backend, reload) : null);
}

// A file input dressed as a button (the browser's own "choose file" words vary), saying how many are chosen.
function filePicker(id, name, text) {
  const input = h("input", { id, name, type: "file", accept: "image/*", multiple: true, required: true });
  const count = h("span", { class: "small muted", "aria-live": "polite" }, "未选择");
  input.addEventListener("change", () => { count.textContent = input.files.length ? `已选 ${input.files.length} 张` : "未选择"; });
  return h("div", { class: "row" }, h("label", { class: "button secondary file-button", for: id }, text, input), count);
}

async function uploadAll(files, backend) {
  const ids = [];
  for (const file of files) {
    const form = new FormData();
    form.append("client_uuid", uuid());
    form.append("file", file, file.name);
    ids.push((await backend.upload(form)).id);
  }
  return ids;
}

// A picker whose photos go up as soon as they are chosen and show at once as the server keeps them (the
// thumbnail comes back from the server, so what shows is what was stored); ids() are the uploaded ones.
function uploadingPicker(id, name, text, label, backend) {
  const input = h("input", { id, name, type: "file", accept: "image/*", multiple: true });
  const status = h("span", { class: "small muted", "aria-live": "polite" }, "未选择");
  const shown = h("div", { class: "thumbs uploaded", id: `${id}-uploaded` });
  const ids = [];
  let pending = Promise.resolve();
  input.addEventListener("change", () => {
    const files = [...input.files];
    if (!files.length) return;
    pending = pending.then(async () => {
      status.textContent = `正在上传 ${files.length} 张…`;
      try {
        for (const file of files) {
          const [photoId] = await uploadAll([file], backend);
          if (ids.includes(photoId)) continue; // the same photo chosen again: the server answers with the first
          ids.push(photoId);
          const alt = `已上传${label} ${ids.length}`;
          const figure = h("figure", {}, thumb(photoId, backend, alt));
          figure.append(h("button", { type: "button", class: "secondary", "aria-label": `移除${alt}`, onclick: () => {
            ids.splice(ids.indexOf(photoId), 1);
            figure.remove();
            status.textContent = `已上传 ${ids.length} 张`;
          } }, "移除"));
          shown.append(figure);
        }
        status.textContent = `已上传 ${ids.length} 张`;
      } catch (err) {
        status.textContent = `上传失败：${describe(err)}`;
        throw err;
      } finally {
        input.value = "";
      }
    }).catch(() => {});
  });
  return {
    element: h("div", { class: "stack" },
      h("div", { class: "row" }, h("label", { class: "button secondary file-button", for: id }, text, input), status),
      shown),
    ids: async () => { await pending; return ids.slice(); },
  };
}

function evidenceForm(hz, backend, reload) {
  const id = hz.id;
  const needsPlan = hz.plan_required && !hz.plan_photo_ids.length;
  const message = h("p", { class: "hidden" });
  const photos = uploadingPicker(`ev-photos-${id}`, "photos", "选择整改后照片（可多张）", "整改后照片", backend);
  const plan = needsPlan
    ? uploadingPicker(`ev-plan-${id}`, "plan", "选择治理方案（重大事故隐患必传，照片或扫描件）", "治理方案", backend) : null;
  const form = h("form", { class: "card stack", "aria-label": `${hz.item_code} 提交整改材料` },
    h("h3", {}, "提交整改材料"),
    h("label", { for: `ev-note-${id}` }, "整改说明"),
    h("textarea", { id: `ev-note-${id}`, name: "note", placeholder: "做了哪些整改" }),
    photos.element,
    plan ? plan.element : null,
    message,
    h("button", { type: "submit" }, "提交整改材料"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      say(message, "正在等待照片上传完成…");
      const photoIds = await photos.ids();
      const planIds = plan ? await plan.ids() : [];
      if (!photoIds.length) throw new Error("请先选择整改后照片");
      if (plan && !planIds.length) throw new Error("请先上传治理方案");
      await backend.evidence(id, { note: form.note.value.trim(), photo_ids: photoIds, plan_photo_ids: planIds });
      say(message, "已提交，等待审核。", "ok");
      await reload();
    } catch (err) {
      button.disabled = false;
      say(message, `提交失败：${describe(err)}`, "error");
    }
  });
  return form;
}

function extensionForm(hz, backend, reload) {
  const id = hz.id;
  const major = hz.level === "major";
  const message = h("p", { class: "hidden" });
  const form = h("form", { class: "stack" },
    h("label", { for: `ext-reason-${id}` }, "延期理由"),
    h("textarea", { id: `ext-reason-${id}`, name: "reason", required: true, minlength: 2 }),
    h("label", { for: `ext-date-${id}` }, "申请延至"),
    dateInput({ id: `ext-date-${id}`, name: "date", required: true }),
    major ? [h("label", { for: `ext-measures-${id}` }, "临时安全措施（重大事故隐患必填）"),
      h("textarea", { id: `ext-measures-${id}`, name: "measures", required: true }),
      filePicker(`ext-plan-${id}`, "plan", "选择治理方案（照片或扫描件）")]
      : null,
    message,
    h("button", { type: "submit", class: "secondary" }, "提交延期申请"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const planIds = major ? await uploadAll(form.plan.files, backend) : [];
      await backend.extension(id, { reason: form.reason.value.trim(), requested_due_date: form.date.value,
        interim_measures: major ? form.measures.value.trim() : "", plan_photo_ids: planIds });
      await reload();
    } catch (err) {
      say(message, `申请失败：${describe(err)}`, "error");
    }
  });
  return h("details", {}, h("summary", {}, "申请延期"), form);
}

// --- who visited, and ratings -------------------------------------------------------------------------------------

async function showVisits() {
  const enterpriseId = session.me.enterprise_id;
  const [visits, scans, ratings] = await Promise.all([
    session.api("/api/v1/visits"),
    session.api(`/api/v1/enterprises/${enterpriseId}/scans?limit=50`).catch(() => ({ items: [] })),
    session.api("/api/v1/ratings?limit=200"),
  ]);
  const rated = new Map(ratings.items.map((r) => [r.visit_id, r]));
  // the advice (提示项) of every visit a department has submitted its part of
  const advised = new Map(await Promise.all(visits.filter((v) => v.departments.some((d) => d.record_number))
    .map(async (v) => [v.id, await session.api(`/api/v1/visits/${v.id}/advice`).catch(() => [])])));
  mount(main, h("h1", {}, "检查记录与评价"),
    h("section", { "aria-labelledby": "visits-title" }, h("h2", { id: "visits-title" }, "检查"),
      visits.length ? h("ul", { class: "list", id: "visits" }, visits.slice().reverse().map((v) => h("li", {
        id: `visit-${v.id}` },
        h("div", { class: "row" }, h("strong", {}, fmtDate(v.submitted_at || v.started_at || v.planned_date)),
          h("span", { class: "badge" }, VISIT_STATUS[v.status] || v.status)),
        h("p", { class: "small visit-departments" },
          `检查部门：${v.departments.map((d) => d.name || d.code).join("、") || "—"}`),
        h("p", { class: "small" }, `检查人员：${v.inspectors.map((i) => i.full_name).join("、")}`),
        recordLine(v),
        adviceView(v, advised.get(v.id) || []),
        v.status === "submitted" ? ratingView(v, rated.get(v.id)) : null)))
        : h("p", { class: "muted" }, "暂无检查记录。")),
    h("section", { "aria-labelledby": "scans-title" }, h("h2", { id: "scans-title" }, "扫码入企记录"),
      scans.items.length ? h("div", { class: "table-wrap" }, h("table", {},
        h("thead", {}, h("tr", {}, h("th", {}, "时间"), h("th", {}, "人员"), h("th", {}, "部门"))),
        h("tbody", {}, scans.items.map((s) => h("tr", {}, h("td", {}, fmtDateTime(s.scanned_at)),
          h("td", {}, s.inspector_name), h("td", {}, s.department_name || "—"))))))
        : h("p", { class: "muted" }, "暂无扫码记录。")));
}

// 现场检查记录: each department's own number, and the records as one PDF
function recordLine(visit) {
  const numbered = visit.departments.filter((d) => d.record_number);
  const numbers = numbered.length ? numbered.map((d) => `${d.name || d.code} ${d.record_number}`)
    : visit.record_number ? [visit.record_number] : [];
  if (!numbers.length) return null;
  const pdf = h("button", { type: "button", class: "secondary", onclick: async () => {
    offerDownload(pdf, await session.blobUrl(`/api/v1/visits/${visit.id}.pdf`), `现场检查记录${visit.id}.pdf`);
  } }, "现场检查记录 PDF");
  return h("div", { class: "stack" }, h("p", { class: "small" }, `现场检查记录：${numbers.join("；")}`), pdf);
}

// 提示项 failed: advice to improve, not a hazard (no deadline, no order)
function adviceView(visit, advice) {
  if (!advice.length) return null;
  const title = `advice-title-${visit.id}`;
  return h("section", { class: "advice", "aria-labelledby": title },
    h("h3", { id: title }, "提示事项（建议改进，不作为隐患）"),
    h("ul", { class: "list" }, advice.map((a) => h("li", {},
      h("p", {}, h("strong", {}, a.item_code), ` ${a.text}`),
      a.legal_basis ? h("p", { class: "small" }, `依据：${a.legal_basis}`) : null,
      a.note ? h("p", { class: "small" }, `现场情况：${a.note}`) : null,
      a.department_name ? h("p", { class: "small muted" }, `提出部门：${a.department_name}`) : null))));
}

function ratingView(visit, rating) {
  if (rating) {
    return h("p", { class: "small" }, h("span", { class: "badge ok" }, `已评价 ${rating.score} 分`),
      rating.comment ? ` ${rating.comment}` : "");
  }
  const message = h("p", { class: "hidden" });
  const name = `score-${visit.id}`;
  const form = h("form", { class: "stack", "aria-label": `评价 ${fmtDate(visit.submitted_at)} 的检查` },
    h("fieldset", {}, h("legend", {}, "评价本次检查（1 分最差，5 分最好）"),
      h("div", { class: "stars" }, [1, 2, 3, 4, 5].map((n) => h("label", {},
        h("input", { type: "radio", name, value: String(n), required: true }), `${n} 分`)))),
    h("label", { for: `comment-${visit.id}` }, "意见（可选）"),
    h("textarea", { id: `comment-${visit.id}`, name: "comment", maxlength: 500 }),
    message,
    h("button", { type: "submit", class: "secondary" }, "提交评价"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await session.api(`/api/v1/visits/${visit.id}/rating`, { method: "POST",
        json: { score: Number(form[name].value), comment: form.comment.value.trim() } });
      await showVisits();
    } catch (err) {
      say(message, describe(err), "error");
    }
  });
  return h("details", {}, h("summary", {}, "评价本次检查"), form);
}


// --- lease applications (先验后批, a local practice) -----------------------------------------------------------------

const LEASE_STATUS = { filed: "审批中", approved: "已同意", refused: "不同意" };
const LEASE_INSPECTION = { none: "未安排", scheduled: "已安排", failed: "未通过（隐患待整改）", passed: "已通过" };

async function showLeases() {
  const page = await session.api("/api/v1/lease-applications?limit=100");
  const notice = page.items.length ? page.items[0].local_practice_notice : "";
  mount(main, h("h1", {}, "厂房出租申请（先验后批）"),
    notice ? h("p", { class: "small muted" }, notice) : null,
    page.items.length ? h("ul", { class: "list", id: "leases" }, page.items.map((a) => {
      const pdf = h("button", { type: "button", class: "secondary", onclick: async () => {
        offerDownload(pdf, await session.blobUrl(`/api/v1/lease-applications/${a.id}/opinion.pdf`),
          `出租前安全检查意见${a.id}.pdf`);
      } }, "出租前安全检查意见 PDF");
      return h("li", {},
        h("div", { class: "row" }, h("strong", {}, `${a.site_name} ${a.unit}`),
          h("span", { class: `badge ${a.status === "approved" ? "ok" : a.status === "refused" ? "bad" : "warn"}` },
            LEASE_STATUS[a.status] || a.status)),
        h("p", { class: "small" }, `承租方：${a.tenant_name}（${a.tenant_credit_code}） · ${a.area_m2} 平方米 · ${a.intended_use}`),
        h("p", { class: "small" }, `租期：${fmtDate(a.term_start)} 至 ${a.term_end ? fmtDate(a.term_end) : "长期"} · ` +
          `出租前安全检查：${LEASE_INSPECTION[a.inspection] || a.inspection} · 审批：${a.approver_name}`),
        a.conditions.length ? h("p", { class: "small" }, `附条件：${a.conditions.join("；")}`) : null,
        a.reasons.length ? h("p", { class: "small" }, `理由：${a.reasons.map((r) => r.reason).join("；")}`) : null,
        a.refusal_rules.length && a.status === "filed"
          ? h("p", { class: "small notice error" }, `符合不予批准情形：${a.refusal_rules.map((r) => r.reason).join("；")}`) : null,
        a.inspection === "passed" || a.inspection === "failed" ? pdf : null);
    })) : h("p", { class: "muted" }, "暂无厂房出租申请。"));
}
