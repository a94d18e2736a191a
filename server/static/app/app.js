// 巡查 · 检查端: the inspector's phone app. Hash routes:
//   #/            today's work list, scan, search
//   #/scan/T      a scanned plaque (also where /q/T lands)
//   #/visit/N     the checklist, saved on the phone as it is filled in
//   #/result/N    after submitting: queue status, hazards, the order, the representative's signature
//   #/queue       what waits to be sent
//   #/review      rectification evidence waiting for this inspector's department to review
//   #/inbox       messages: assignments, evidence awaiting review, overdue hazards and escalations

import { Offline, describe } from "/static/api.js";
import {
  KIND, VISIT_STATUS, daysLeftText, fmtDate, fmtDateTime, h, levelBadge, loginForm, mount, offerDownload, say,
  screenFailed, statusBadge, today, uuid,
} from "/static/ui.js";
import { inboxLink, showInbox } from "/static/inbox.js";
import { locate, showVisit } from "./checklist.js";
import * as db from "./db.js";
import { showGridCheck, showGridHome } from "./grid.js";
import * as outbox from "./outbox.js";
import { showReview } from "./review.js";
import { qrReader } from "./scanner.js";
import { main, session } from "./session.js";
import { signaturePad } from "./signature.js";
import { signoffAndService } from "./signoff.js";

const queueBar = document.getElementById("queue");
const userBox = document.getElementById("user");
const DATA_CACHE = "xuncha-data-v1";
let leave = () => {}; // undoes what the current screen set up (listeners, camera)
let queueStarted = false;

if ("serviceWorker" in navigator) navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch(() => {});
window.addEventListener("hashchange", route);
window.addEventListener("online", renderQueueBar);
window.addEventListener("offline", renderQueueBar);
route();

async function route() {
  leave();
  leave = () => {};
  window.scrollTo(0, 0);
  renderUser();
  if (!session.token) return showLogin();
  if (session.me && session.me.role === "grid") return routeGrid();
  if (!queueStarted) {
    queueStarted = true;
    outbox.onChange(renderQueueBar);
    outbox.init(session);
  }
  renderQueueBar();
  const [name, arg] = location.hash.replace(/^#\/?/, "").split("/");
  try {
    if (name === "visit") leave = (await showVisit(Number(arg))) || leave;
    else if (name === "result") await showResult(Number(arg));
    else if (name === "scan") await showScan(arg);
    else if (name === "queue") await showQueue();
    else if (name === "review") await showReview();
    else if (name === "inbox") await showInbox(session, main, { open: openInboxItem, onChange: renderUser });
    else await showHome();
  } catch (err) {
    screenFailed(err, { session, main, showLogin: () => showLogin("登录已过期，请重新登录（手机上未上传的内容会保留）"),
      after: [h("a", { href: "#/", class: "button secondary" }, "返回今日任务")] });
  }
}

async function routeGrid() {  // 网格员: their grid's screens only (grid.js); no enforcement screens
  queueBar.classList.add("hidden");
  const [name, arg] = location.hash.replace(/^#\/?/, "").split("/");
  try {
    if (name === "grid") await showGridCheck(Number(arg));
    else await showGridHome();
  } catch (err) {
    screenFailed(err, { session, main, showLogin: () => showLogin("登录已过期，请重新登录"),
      after: [h("a", { href: "#/", class: "button secondary" }, "返回网格")] });
  }
}

// --- top of every screen ----------------------------------------------------------------------------------------

function renderUser() {
  if (!session.me) return mount(userBox);
  mount(userBox, h("span", { class: "small" }, session.me.full_name), inboxLink(session, "#/inbox").link,
    h("button", { type: "button", class: "link", onclick: logout }, "退出"));
}

// An inbox item's link: evidence waits in the review list; a task or another hazard opens today's list.
function openInboxItem(item) {
  location.hash = item.event_type === "evidence.submitted" || item.event_type === "extension.requested"
    ? "#/review" : "#/";
}

async function logout() {
  const waiting = (await outbox.pending()).length;
  if (waiting && !confirm(`还有 ${waiting} 项未上传，下次登录后会继续上传。确定退出？`)) return;
  session.logout();
  if (window.caches) await caches.delete(DATA_CACHE);
  location.hash = "#/";
  route();
}

async function renderQueueBar() {
  if (!session.token) return queueBar.classList.add("hidden");
  const waiting = await outbox.pending();
  const offline = !navigator.onLine;
  if (!waiting.length && !offline) return queueBar.classList.add("hidden");
  const failed = waiting.filter((i) => i.status === "error").length;
  const text = waiting.length
    ? `待上传 ${waiting.length} 项${failed ? `（${failed} 项需处理）` : ""}${offline ? " · 离线，联网后自动上传" : " · 正在同步"}`
    : "离线模式：填写内容保存在手机上";
  queueBar.className = "queue-bar";
  mount(queueBar, h("span", { id: "queue-count", role: "status" }, text),
    waiting.length ? h("a", { href: "#/queue" }, "查看") : null);
}

function showLogin(message = "") {
  renderUser();
  queueBar.classList.add("hidden");
  mount(main, message ? h("p", { class: "notice" }, message) : null,
    loginForm({
      title: "检查人员登录",
      hint: "登录后可离线检查；检查结果和照片保存在手机上，联网后自动上传。",
      onSubmit: async (username, password) => {
        const me = await session.login(username, password);
        if (me.role !== "inspector" && me.role !== "grid") {
          session.logout();
          throw new Error("此入口供检查人员和网格员使用；企业请用 /portal/，安委办请用 /office/");
        }
        route();
      },
    }));
}

// --- today's work list ------------------------------------------------------------------------------------------

async function showHome() {
  const notice = h("p", { class: "hidden" });
  const results = h("div");
  const listBox = h("div", {}, h("p", { class: "muted" }, "正在加载…"));
  const search = h("input", { id: "search", type: "search", name: "q", autocomplete: "off",
    placeholder: "例如：铝业" });
  mount(main,
    h("h1", {}, `今日检查 · ${fmtDate(today())}`),
    h("section", { class: "card stack", "aria-labelledby": "find-title" },
      h("h2", { id: "find-title" }, "进入企业"),
      h("button", { type: "button", class: "block", onclick: () => startScanner(notice, search) }, "扫码入企"),
      h("form", { role: "search", onsubmit: (e) => { e.preventDefault(); find(search.value.trim(), results, notice); } },
        h("label", { for: "search" }, "输入企业名称搜索"),
        h("div", { class: "row" }, h("div", { class: "grow" }, search),
          h("button", { type: "submit" }, "搜索"))),
      notice, results),
    h("p", {}, h("a", { href: "#/review", class: "button secondary block", id: "review-link" }, "整改审核")),
    h("section", { "aria-labelledby": "list-title" }, h("h2", { id: "list-title" }, "任务清单"), listBox));

  let visits;
  try {
    visits = await workList();
  } catch (err) {
    if (!(err instanceof Offline)) throw err;
    return mount(listBox, h("p", { class: "notice" }, "离线且没有缓存的任务清单。联网后刷新。"));
  }
  const drafts = new Set((await db.all("drafts")).map((d) => d.visit_id));
  if (!visits.length) return mount(listBox, h("p", { class: "muted" }, "今天没有安排的检查。可扫码或搜索企业开始临时检查。"));
  mount(listBox, h("ul", { class: "list", id: "work-list" }, visits.map((v) => h("li", { class: "clickable" },
    h("a", { href: v.status === "submitted" ? `#/result/${v.id}` : `#/visit/${v.id}` },
      h("strong", {}, v.enterprise.name),
      h("div", { class: "row small" },
        h("span", { class: v.status === "submitted" ? "badge ok" : "badge" }, VISIT_STATUS[v.status] || v.status),
        drafts.has(v.id) && v.status !== "submitted" ? h("span", { class: "badge warn" }, "有草稿") : null,
        h("span", { class: "muted" }, v.enterprise.street),
        h("span", { class: "muted" }, v.departments.flatMap((d) => d.kinds).map((k) => KIND[k] || k).join("、"))))))));
  // the checklists of today's visits, so the service worker has them when the signal goes
  for (const v of visits.filter((x) => x.status !== "submitted")) {
    session.api(`/api/v1/visits/${v.id}`).catch(() => {});
    session.api(`/api/v1/visits/${v.id}/checklist`).catch(() => {});
  }
}

function workList() {
  return session.api(`/api/v1/visits?assigned=me&date=${today()}`);
}

async function find(term, results, notice) {
  say(notice, "");
  if (!term) return say(notice, "请输入企业名称", "error");
  let found;
  try {
    found = (await session.api(`/api/v1/enterprises?q=${encodeURIComponent(term)}&limit=10`)).items;
  } catch (err) {
    if (!(err instanceof Offline)) throw err;
    const visits = await workList().catch(() => []);
    found = visits.filter((v) => v.enterprise.name.includes(term)).map((v) => v.enterprise);
    say(notice, "离线：只在今日任务中查找");
  }
  if (!found.length) return mount(results, h("p", { class: "muted" }, "没有找到匹配的企业。"));
  mount(results, h("ul", { class: "list" }, found.map((e) => h("li", {},
    h("strong", {}, e.name), h("div", { class: "small muted" }, e.address || e.street || ""),
    h("button", { type: "button", class: "secondary", onclick: () => openEnterprise(e, results) },
      `进入 ${e.name}`)))));
}

// The inspector's open visit to this enterprise, or an offer to start one.
async function openEnterprise(enterprise, box) {
  const open = (list) => list.find((v) => v.enterprise.id === enterprise.id && ["planned", "started"].includes(v.status));
  const visit = open(await workList().catch(() => [])) || open(await session.api("/api/v1/visits?assigned=me").catch(() => []));
  if (visit) {
    location.hash = `#/visit/${visit.id}`;
    return;
  }
  offerAdHoc([enterprise], box);
}

function offerAdHoc(enterprises, box) {
  const message = h("p", { class: "hidden" });
  mount(box, h("div", { class: "card stack" },
    h("p", {}, "今日没有这家企业的检查任务。可开始一次临时检查（签发整改指令书需两名持证检查人员）。"),
    enterprises.map((e) => h("button", { type: "button", class: "block", onclick: async () => {
      try {
        const visit = await session.api("/api/v1/visits", { method: "POST", json: { enterprise_id: e.id } });
        location.hash = `#/visit/${visit.id}`;
      } catch (err) {
        say(message, describe(err), "error");
      }
    } }, `开始临时检查：${e.name}`)),
    message));
}

// --- scanning the plaque ------------------------------------------------------------------------------------------

async function startScanner(notice, search) {
  if (!navigator.mediaDevices?.getUserMedia) {
    say(notice, "此设备的浏览器不支持摄像头扫码，请输入企业名称搜索，或用手机相机扫描门牌二维码。");
    search.focus();
    return;
  }
  let read;
  try {
    read = await qrReader();
  } catch {
    say(notice, "扫码组件未能加载（网络不好？），请输入企业名称搜索，或用手机相机扫描门牌二维码。", "error");
    return search.focus();
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  } catch {
    say(notice, "无法打开摄像头，请输入企业名称搜索。", "error");
    return search.focus();
  }
  const video = h("video", { playsinline: true, muted: true, "aria-label": "扫码取景" });
  let timer; // set once the video plays; cancelling before that must not trip over it
  const stop = () => { stream.getTracks().forEach((t) => t.stop()); box.remove(); clearInterval(timer); };
  const box = h("div", { class: "card scanner stack" }, h("p", {}, "将门牌二维码对准取景框"), video,
    h("button", { type: "button", class: "secondary block", onclick: stop }, "取消扫码"));
  notice.after(box);
  video.srcObject = stream;
  leave = stop;
  await video.play().catch(() => {});
  if (!box.isConnected) return; // cancelled, or the screen left, while the camera started
  let reading = false; // a slow phone may take longer than one tick over a frame: never two at once
  timer = setInterval(async () => {
    if (reading) return;
    reading = true;
    const texts = await read(video).catch(() => []);
    reading = false;
    const token = texts.map((text) => (text.match(/\/q\/([^/?#]+)/) || [])[1]).find(Boolean);
    if (token && box.isConnected) {
      stop();
      location.hash = `#/scan/${token}`;
    }
  }, 300);
}

async function showScan(token) {
  mount(main, h("h1", {}, "扫码入企"), h("p", { class: "muted" }, "正在识别门牌…"));
  const where = await locate();
  const query = where ? `?lat=${where.latitude}&lng=${where.longitude}` : "";
  const scanned = await session.api(`/api/v1/qr/${encodeURIComponent(token)}${query}`);
  if (scanned.open_visit) {
    location.replace(`#/visit/${scanned.open_visit.id}`);
    return;
  }
  const box = h("div");
  const places = scanned.enterprise ? [scanned.enterprise] : [scanned.site.landlord, ...scanned.site.tenants];
  mount(main, h("h1", {}, scanned.enterprise ? scanned.enterprise.name : scanned.site.name),
    h("p", { class: "notice ok", role: "status" }, `已记录扫码 ${fmtDateTime(scanned.scan.scanned_at)}`), box);
  offerAdHoc(places, box);
}

// --- after submitting ---------------------------------------------------------------------------------------------

const QUEUE_STATUS = { queued: "等待网络", sending: "正在上传", sent: "已提交", error: "提交失败" };

async function showResult(visitId) {
  const record = await outbox.forVisit(visitId);
  if (record && record.status !== "sent") {
    const render = () => outbox.forVisit(visitId).then((r) => {
      if (r && r.status === "sent") return route();
      mount(main, h("h1", {}, r.enterprise_name),
        h("p", { class: r.status === "error" ? "notice error" : "notice", role: "status", id: "result-status" },
          r.status === "error" ? `提交失败：${r.error}` : `${QUEUE_STATUS[r.status]}：检查结果已保存在手机上，联网后自动提交。`),
        r.status === "error" ? h("div", { class: "row" },
          h("button", { type: "button", onclick: () => outbox.retry(r.uuid) }, "重试"),
          h("a", { class: "button secondary", href: `#/visit/${visitId}` }, "返回修改")) : null,
        h("a", { href: "#/", class: "button secondary block" }, "返回今日任务"));
    });
    leave = outbox.onChange(render);
    return render();
  }
  mount(main, h("p", { class: "muted" }, "正在加载检查结果…"));
  const visit = await session.api(`/api/v1/visits/${visitId}`);
  const submission = record?.response || ownSubmission(await session.api(`/api/v1/visits/${visitId}/submissions`));
  const hazards = await Promise.all(submission.hazard_ids.map((id) => session.api(`/api/v1/hazards/${id}`)));
  const orders = await Promise.all(submission.order_ids.map((id) => session.api(`/api/v1/orders/${id}`)));
  const failed = submission.results.filter((r) => r.outcome === "fail").length;
  mount(main,
    h("h1", {}, visit.enterprise.name),
    h("p", { class: "notice ok", role: "status", id: "result-status" },
      `检查结果已提交（${fmtDateTime(submission.submitted_at)}）：共 ${submission.results.length} 项，不合格 ${failed} 项。`),
    h("section", { "aria-labelledby": "hz-title" }, h("h2", { id: "hz-title" }, `发现隐患 ${hazards.length} 项`),
      hazards.length ? h("ul", { class: "list", id: "hazards" }, hazards.map((hz) => h("li", {},
        h("div", { class: "row" }, h("strong", {}, hz.item_code), levelBadge(hz.level), statusBadge(hz)),
        h("p", {}, hz.description),
        h("p", { class: "small muted" }, `整改期限 ${fmtDate(hz.due_at)}（${daysLeftText(hz)}）`),
        caseFileButton(hz))))
        : h("p", { class: "muted" }, "未发现隐患。")),
    orders.length ? h("section", { "aria-labelledby": "order-title" }, h("h2", { id: "order-title" }, "整改指令书"),
      h("ul", { class: "list", id: "orders" }, orders.map((o) => h("li", {},
        h("strong", {}, o.number), h("p", { class: "small muted" }, `${o.department_name} · ${fmtDate(o.issued_at)}`),
        h("button", { type: "button", class: "secondary", onclick: (e) => openPdf(o, e.target) }, "查看指令书 PDF")))))
      : null,
    ...(await signoffAndService(visit, orders, signatureSection)));
}

// A joint visit has a part per department: the latest of my department's, else the latest (old visits).
function ownSubmission(rows) {
  const mine = session.me.department && rows.filter((s) => s.department_id === session.me.department.id);
  return (mine && mine.length ? mine : rows).at(-1);
}

// 一案一档: the hazard's case file (ZIP), for inspectors of the hazard's own department.
function caseFileButton(hz) {
  const mine = session.me.department && session.me.department.id === hz.department_id;
  if (!mine) return null;
  const button = h("button", { type: "button", class: "secondary", onclick: async () => {
    button.disabled = true;
    try {
      offerDownload(button, await session.blobUrl(`/api/v1/hazards/${hz.id}/casefile.zip`), `案卷-隐患${hz.id}.zip`);
    } catch (err) {
      button.disabled = false;
      alert(describe(err));
    }
  } }, "下载案卷（一案一档）");
  return button;
}

async function openPdf(order, button) {
  button.disabled = true;
  try {
    offerDownload(button, await session.blobUrl(order.pdf_url), `${order.number}.pdf`);
  } catch (err) {
    button.disabled = false;
    alert(describe(err));
  }
}

// The representative's first signature on ``record`` (signoff.js's recordToSign: his department's part record, or
// the visit's record as a whole), taken offline too and queued.
function signatureSection(visit, record) {
  const section = h("section", { class: "card stack", "aria-labelledby": "sign-title" },
    h("h2", { id: "sign-title" }, "企业代表签名"));
  if (record.kind === "visit" && visit.signature_photo_id) {
    section.append(h("p", { class: "notice ok", id: "signed" }, "企业代表已签名。"));
    return section;
  }
  const canvas = h("canvas", { class: "signature", id: "signature", role: "img",
    "aria-label": "签名区：请企业代表在此手写签名" });
  const message = h("p", { class: "hidden" });
  const what = `现场检查记录${record.number || ""}`;
  section.append(h("p", { class: "small muted" }, `请企业代表在下方框内签名，确认已知悉${what}所载检查结果。`),
    canvas, message,
    h("div", { class: "row" },
      h("button", { type: "button", class: "secondary", onclick: () => pad.clear() }, "清除"),
      h("button", { type: "button", id: "sign", onclick: async (e) => {
        if (pad.isEmpty()) return say(message, "请先签名", "error");
        e.target.disabled = true;
        const signature = { uuid: uuid(), visit_id: visit.id, user_id: session.me.id,
          enterprise_name: visit.enterprise.name, blob: await pad.toBlob(),
          document: { kind: record.kind, id: record.id }, signer_name: visit.representative_name || "企业代表" };
        try {
          await outbox.uploadSignature(session, signature);
          route();
        } catch (err) {
          if (!(err instanceof Offline)) {
            e.target.disabled = false;
            return say(message, describe(err), "error");
          }
          await outbox.enqueueSignature(signature); // kept on the phone, sent when the signal returns
          say(message, "签名已保存在手机上，联网后自动上传。", "ok");
        }
      } }, "确认签名")));
  let pad;
  requestAnimationFrame(() => { pad = signaturePad(canvas); });
  return section;
}

// --- the queue ----------------------------------------------------------------------------------------------------

async function showQueue() {
  const render = async () => {
    const rows = await outbox.items();
    mount(main, h("h1", {}, "上传队列"),
      h("p", { class: "small muted" }, navigator.onLine ? "联网中：待上传的内容会自动发送。" : "离线：联网后自动发送。"),
      h("button", { type: "button", class: "secondary", onclick: () => outbox.flush() }, "立即同步"),
      rows.length ? h("ul", { class: "list", id: "queue-items" }, rows.map((r) => h("li", {},
        h("div", { class: "row" }, h("strong", {}, r.enterprise_name),
          h("span", { class: r.status === "sent" ? "badge ok" : r.status === "error" ? "badge bad" : "badge warn" },
            QUEUE_STATUS[r.status])),
        r.kind === "signature" ? h("p", { class: "small muted" }, `记录于 ${fmtDateTime(r.captured_at)} · 企业代表签名`)
          : h("p", { class: "small muted" }, `记录于 ${fmtDateTime(r.captured_at)} · ${r.results.length} 项 · 照片 `,
            `${r.results.reduce((n, x) => n + x.photos.length, 0)} 张`),
        r.error ? h("p", { class: "small", role: "alert" }, r.error) : null,
        h("div", { class: "row" },
          h("a", { href: `#/result/${r.visit_id}` }, "查看"),
          r.status === "error" ? h("button", { type: "button", class: "secondary", onclick: () => outbox.retry(r.uuid) },
            "重试") : null))))
        : h("p", { class: "muted" }, "队列为空。"));
  };
  leave = outbox.onChange(render);
  await render();
}
