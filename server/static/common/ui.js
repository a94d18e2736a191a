// Small DOM helpers and the Chinese words for the API's vocabulary.

import { describe } from "/static/api.js";

// h("button", {class: "x", onclick: f}, "text", child) -> element. Attributes starting with "on" are listeners;
// false/null attributes and children are skipped, so conditions read naturally.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const STATUS = { open: "待整改", submitted: "待审核", closed: "已销号", voided: "已作废", rejected: "已退回" };
export const LEVEL = { general: "一般隐患", major: "重大隐患" };
export const RESULT = { pass: "合格", fail: "不合格", not_applicable: "不适用" };
export const KIND = { DUST: "粉尘涉爆", FCZ: "厂中厂", GAS: "燃气安全" };
export const VISIT_STATUS = { planned: "待检查", started: "检查中", submitted: "已提交", cancelled: "已取消" };

const TZ = "Asia/Shanghai";

export function fmtDate(value) {
  if (!value) return "—";
  const d = typeof value === "string" && value.length === 10 ? new Date(`${value}T00:00:00+08:00`) : new Date(value);
  return d.toLocaleDateString("zh-CN", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit" });
}

export function fmtDateTime(value) {
  if (!value) return "—";
  return new Date(value).toLocaleString("zh-CN", { timeZone: TZ, hour12: false, year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

export function today() {
  return new Date().toLocaleDateString("sv-SE", { timeZone: TZ }); // YYYY-MM-DD
}

export function pct(rate) {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`;
}

export function statusBadge(hazard) {
  if (hazard.status === "closed") return h("span", { class: "badge ok" }, STATUS.closed);
  if (hazard.status === "voided") return h("span", { class: "badge" }, STATUS.voided);
  if (hazard.overdue) return h("span", { class: "badge bad" }, "已逾期");
  if (hazard.status === "submitted") return h("span", { class: "badge warn" }, STATUS.submitted);
  return h("span", { class: "badge" }, STATUS[hazard.status] || hazard.status);
}

export function levelBadge(level) {
  return h("span", { class: level === "major" ? "badge bad" : "badge" }, LEVEL[level] || level);
}

export function daysLeftText(hazard) {
  if (hazard.status === "closed") return "已销号";
  if (hazard.status === "voided") return "已作废";
  if (hazard.overdue) return `已逾期 ${Math.abs(hazard.days_left)} 天`;
  if (hazard.days_left === 0) return "今天到期";
  return `剩余 ${hazard.days_left} 天`;
}

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((n) => n.toString(16).padStart(2, "0")).join("");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

// A status line that screen readers announce.
export function say(el, text, kind = "") {
  el.className = `notice ${kind}`.trim();
  el.setAttribute("role", kind === "error" ? "alert" : "status");
  el.textContent = text;
  el.classList.toggle("hidden", !text);
}

export function loginForm({ title, hint, onSubmit }) {
  const message = h("p", { class: "hidden" });
  const form = h("form", { class: "card stack", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title" }, title),
    hint ? h("p", { class: "muted small" }, hint) : null,
    h("label", { for: "login-user" }, "用户名"),
    h("input", { id: "login-user", name: "username", type: "text", autocomplete: "username", required: true }),
    h("label", { for: "login-pass" }, "密码"),
    h("input", { id: "login-pass", name: "password", type: "password", autocomplete: "current-password",
      required: true }),
    message,
    h("button", { type: "submit", class: "block" }, "登录"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    say(message, "正在登录…");
    try {
      await onSubmit(form.username.value.trim(), form.password.value);
    } catch (err) {
      say(message, err.status === 401 ? "用户名或密码错误" : `登录失败：${describe(err)}`, "error");
    }
  });
  return form;
}

// A file fetched behind the token: the button becomes a link to it (to open again), and it opens now.
export function offerDownload(button, url, name) {
  const link = h("a", { href: url, download: name, class: "button" }, `保存 ${name}`);
  button.replaceWith(link);
  link.focus();
  link.click();
}

// What every page does when a screen fails to load: a 401 means the login ran out (log out, back to the login
// form), anything else is said on the page, with `after` (a way back, say) under it.
export function screenFailed(err, { session, main, showLogin, after = [] }) {
  if (err.status === 401) {
    session.logout();
    return showLogin();
  }
  mount(main, h("p", { class: "notice error", role: "alert" }, describe(err)), ...after);
}
