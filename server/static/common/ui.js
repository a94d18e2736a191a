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
  labelTables(el);
  return el;
}

// Every table a page mounts reads on a phone as stacked cards (base.css, under 40rem): each cell carries its
// column's header as data-label. Short values (dates, levels, counts, names) never break mid-word on a desk.
const SHORT = 12;

export function labelTables(el) {
  for (const table of el.querySelectorAll("table")) {
    const headers = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    table.classList.add("cards");
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, i) => {
        if (headers[i] && !cell.dataset.label) cell.dataset.label = headers[i];
        if (cell.textContent.trim().length <= SHORT) cell.classList.add("short");
      });
    }
  }
}

export const STATUS = { open: "待整改", submitted: "待审核", closed: "已销号", voided: "已作废", rejected: "已退回" };
export const LEVEL = { general: "一般隐患", major: "重大隐患" };
export const RESULT = { pass: "合格", fail: "不合格", not_applicable: "不适用" };
export const KIND = { DUST: "粉尘涉爆", FCZ: "厂中厂", GAS: "燃气安全", VENUE: "九小场所" };
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

const NUMBER = new Intl.NumberFormat("zh-CN");

// counts with zh-CN digit grouping, whatever the browser's own locale
export function fmtNumber(value) {
  return value === null || value === undefined ? "—" : NUMBER.format(value);
}

// A date field that reads YYYY-MM-DD whatever the browser's locale (a native date input shows the browser's own
// format, "01/01/2026" in a US browser): a text field with the ISO pattern, and a button opening the native picker.
export function dateInput({ id, value = "", required = false, name = undefined }) {
  const text = h("input", { id, name, type: "text", inputmode: "numeric", value, required,
    pattern: "\\d{4}-\\d{2}-\\d{2}", placeholder: "年-月-日（如 2026-01-31）", autocomplete: "off",
    title: "日期，格式：年-月-日，如 2026-01-31", class: "date-text" });
  const picker = h("input", { type: "date", tabindex: "-1", "aria-hidden": "true", class: "date-picker", value });
  picker.addEventListener("change", () => {
    text.value = picker.value;
    text.dispatchEvent(new Event("change", { bubbles: true }));
  });
  text.addEventListener("change", () => { picker.value = /^\d{4}-\d{2}-\d{2}$/.test(text.value) ? text.value : ""; });
  const button = h("button", { type: "button", class: "secondary date-button", "aria-label": "从日历选择日期",
    onclick: () => (picker.showPicker ? picker.showPicker() : picker.click()) }, "日历");
  const field = h("span", { class: "date-field" }, text, picker, button);
  Object.defineProperty(field, "value", { get: () => text.value, set: (v) => { text.value = v; picker.value = v; } });
  return field;  // field.value reads and sets the date, as on an input
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
