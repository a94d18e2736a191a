// 企业端 · 安全生产责任保险: the enterprise's own policies (insurer, number, period, amount), read-only.
// The API answers an enterprise with its own policies only; a policy ending within SOON_DAYS is highlighted.

import { fmtDate, fmtNumber, h, mount } from "/static/ui.js";

const SOON_DAYS = 30;

function stateBadge(p) {
  if (p.state === "expired") return h("span", { class: "badge bad" }, "已到期");
  if (p.state === "future") return h("span", { class: "badge" }, "未生效");
  if (p.days_left !== null && p.days_left <= SOON_DAYS) {
    return h("span", { class: "badge warn" }, `即将到期，剩 ${p.days_left} 天，请及时续保`);
  }
  return h("span", { class: "badge ok" }, "保障中");
}

export async function showInsurance(session, main) {
  const page = await session.api("/api/v1/insurance/policies?limit=200");
  mount(main, h("h1", {}, "安全生产责任保险"),
    h("p", { class: "small muted" }, "本企业登记的安责险保单（由保险公司或安委办录入）。如有续保，请将新保单交安委办录入。"),
    page.items.length ? h("ul", { class: "list", id: "policies" }, page.items.map((p) => {
      return h("li", {},
        h("div", { class: "row" }, h("strong", {}, p.insurer), stateBadge(p)),
        h("p", { class: "small" }, `保单号：${p.policy_number}`),
        h("p", { class: "small" }, `保险期间：${fmtDate(p.period_start)} 至 ${fmtDate(p.period_end)}`),
        h("p", { class: "small" }, `保险金额：${fmtNumber(p.insured_amount)} 元`),
        p.coverage ? h("p", { class: "small muted" }, `保障范围：${p.coverage}`) : null);
    })) : h("p", { class: "muted" }, "暂无登记的安责险保单。"));
}
