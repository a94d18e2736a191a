// The inbox both faces show (portal: enterprise users; app: inspectors): what the user was told, newest first,
// unread first in weight; one item or all marked read; the unread count beside the nav link.

import { fmtDateTime, h, mount } from "/static/ui.js";

// A nav link "消息" with the unread count, refreshed on demand (returns the element and a refresh function).
export function inboxLink(session, href) {
  const count = h("span", { class: "badge bad hidden", id: "inbox-unread", "aria-label": "未读消息数" });
  const link = h("a", { href, id: "inbox-link" }, "消息", " ", count);
  const refresh = async () => {
    try {
      const { unread } = await session.api("/api/v1/inbox/unread-count");
      count.textContent = String(unread);
      count.classList.toggle("hidden", !unread);
    } catch {
      count.classList.add("hidden"); // offline or logged out: no count rather than a wrong one
    }
  };
  refresh();
  return { link, refresh };
}

// The inbox screen. open(item) follows an item's link (a hazard, a task…) and may be absent.
export async function showInbox(session, main, { open, onChange } = {}) {
  const page = await session.api("/api/v1/inbox?limit=100");
  const markAll = h("button", { type: "button", class: "secondary", id: "inbox-read-all", disabled: !page.unread,
    onclick: async () => {
      await session.api("/api/v1/inbox/read-all", { method: "POST" });
      onChange?.();
      await showInbox(session, main, { open, onChange });
    } }, "全部标为已读");
  const list = page.items.length
    ? h("ul", { class: "list", id: "inbox" }, page.items.map((item) => inboxItem(session, item, { open, onChange })))
    : h("p", { class: "muted", id: "inbox-empty" }, "暂无消息。");
  mount(main, h("div", { class: "row" }, h("h1", {}, "消息"),
    h("span", { class: "small muted", id: "inbox-count" }, `共 ${page.total} 条，未读 ${page.unread} 条`), markAll),
  list);
}

function inboxItem(session, item, { open, onChange }) {
  const unread = !item.read_at;
  const state = h("span", { class: unread ? "badge warn" : "badge" }, unread ? "未读" : "已读");
  const markRead = async () => {
    if (!item.read_at) {
      const done = await session.api(`/api/v1/inbox/${item.id}/read`, { method: "POST" });
      item.read_at = done.read_at;
      state.className = "badge";
      state.textContent = "已读";
      li.classList.remove("unread");
      readButton.remove();
      onChange?.();
    }
  };
  const readButton = unread ? h("button", { type: "button", class: "link", onclick: markRead }, "标为已读") : "";
  const li = h("li", { class: unread ? "unread" : "", dataset: { id: String(item.id), event: item.event_type } },
    h("div", { class: "row" }, state, h("strong", {}, item.title)),
    h("p", { class: "small" }, item.body),
    h("div", { class: "row small muted" }, h("span", {}, fmtDateTime(item.created_at)), readButton,
      open && item.link ? h("button", { type: "button", class: "link", onclick: async () => {
        await markRead();
        open(item);
      } }, "查看") : ""));
  return li;
}
