// 巡查 · 企业端: service (送达). Whether the enterprise agreed to electronic service (电子送达确认书), agreeing
// with the portal account or a mobile number as the address, withdrawing with a reason; and, on each order,
// whether and how it was served, with its 送达回执 PDF.

import { describe } from "/static/api.js";
import { fmtDateTime, h, mount, offerDownload, say } from "/static/ui.js";

export const SERVICE_METHOD = { direct: "直接送达", left: "留置送达", electronic: "电子送达", mail: "邮寄送达" };
const CHANNEL = { portal: "企业端账号", sms: "手机短信", email: "电子邮箱" };

// One line for the order list: served how and when, or not yet.
export function serviceText(service) {
  if (!service) return "";
  return service.served ? `已${SERVICE_METHOD[service.method] || service.method}（${fmtDateTime(service.served_at)}）`
    : "尚未记录送达";
}

// On one order: how it was served, and the 送达回执 PDF when the page may fetch it (``receiptUrl``).
export function serviceView(order, receiptUrl) {
  const service = order.service;
  if (!service) return null;
  const box = h("section", { class: "card stack", id: "order-service", "aria-labelledby": "service-title" },
    h("h2", { id: "service-title" }, "送达情况"));
  if (!service.served) {
    box.append(h("p", { class: "small muted" }, "尚未记录送达。"));
    return box;
  }
  box.append(h("p", {}, h("span", { class: "badge ok" }, SERVICE_METHOD[service.method] || service.method),
    ` 送达时间 ${fmtDateTime(service.served_at)}`));
  if (receiptUrl && service.receipt_id) {
    const button = h("button", { type: "button", class: "secondary", id: "receipt-pdf", onclick: async () => {
      try {
        offerDownload(button, await receiptUrl(service.receipt_id), `送达回执-${order.number}.pdf`);
      } catch (err) {
        say(message, `无法打开送达回执：${describe(err)}`, "error");
      }
    } }, "下载送达回执 PDF");
    const message = h("p", { class: "hidden" });
    box.append(button, message);
  }
  return box;
}

// The 电子送达 screen (#/service).
export async function showService(session, main) {
  const enterpriseId = session.me.enterprise_id;
  const consents = await session.api(`/api/v1/enterprises/${enterpriseId}/service-consents`);
  const active = consents.filter((c) => !c.revoked_at).at(-1);
  const reload = () => showService(session, main);
  mount(main, h("h1", {}, "电子送达"),
    h("p", { class: "small muted" },
      "同意电子送达后，执法部门可通过下列地址向本企业送达整改指令书等执法文书，送达时间以系统记录为准；",
      "未同意时，文书由执法人员直接送达或留置送达。可随时撤回同意。"),
    active ? activeView(session, active, reload) : consentForm(session, enterpriseId, reload),
    consents.some((c) => c.revoked_at) ? h("section", { "aria-labelledby": "consent-history" },
      h("h2", { id: "consent-history" }, "已撤回的确认书"),
      h("ul", { class: "list", id: "revoked-consents" }, consents.filter((c) => c.revoked_at).map((c) => h("li", {},
        h("p", { class: "small" }, `${c.signer_name} 于 ${fmtDateTime(c.agreed_at)} 同意（${CHANNEL[c.channel] || c.channel}：`,
          `${c.address}），${fmtDateTime(c.revoked_at)} 撤回`))))) : null);
}

function activeView(session, consent, reload) {
  const message = h("p", { class: "hidden" });
  const form = h("form", { class: "stack", "aria-label": "撤回电子送达" },
    h("label", { for: "revoke-reason" }, "撤回理由"),
    h("textarea", { id: "revoke-reason", name: "reason", required: true, maxlength: 255 }),
    message,
    h("button", { type: "submit", class: "secondary" }, "撤回同意"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = form.reason.value.trim();
    if (!reason) return say(message, "请填写撤回理由", "error");
    try {
      await session.api(`/api/v1/service-consents/${consent.id}/revoke`, { method: "POST", json: { reason } });
      await reload();
    } catch (err) {
      say(message, `撤回失败：${describe(err)}`, "error");
    }
  });
  return h("section", { class: "card stack", id: "consent", "aria-labelledby": "consent-title" },
    h("h2", { id: "consent-title" }, "已同意电子送达"),
    h("p", {}, h("span", { class: "badge ok" }, "已同意"),
      ` ${consent.signer_name} 于 ${fmtDateTime(consent.agreed_at)} 签署`),
    h("p", { class: "small" }, `送达地址：${CHANNEL[consent.channel] || consent.channel} ${consent.address}`),
    h("details", {}, h("summary", {}, "撤回同意"), form));
}

function consentForm(session, enterpriseId, reload) {
  const message = h("p", { class: "hidden" });
  const address = h("input", { id: "consent-address", name: "address", required: true, maxlength: 128,
    value: session.me.username, autocomplete: "off" });
  const channel = h("select", { id: "consent-channel", name: "channel" },
    h("option", { value: "portal" }, "企业端账号（登录后在本系统查看）"),
    h("option", { value: "sms" }, "手机短信"));
  channel.addEventListener("change", () => {
    address.value = channel.value === "portal" ? session.me.username : "";
    address.inputMode = channel.value === "sms" ? "tel" : "text";
  });
  const form = h("form", { class: "card stack", id: "consent-form", "aria-labelledby": "consent-form-title" },
    h("h2", { id: "consent-form-title" }, "电子送达确认书"),
    h("p", { class: "small" }, h("span", { class: "badge warn" }, "未同意"), " 本企业尚未同意电子送达。"),
    h("label", { for: "consent-signer" }, "签署人（法定代表人或其委托的人）"),
    h("input", { id: "consent-signer", name: "signer", required: true, maxlength: 64, value: session.me.full_name }),
    h("label", { for: "consent-channel" }, "送达方式"), channel,
    h("label", { for: "consent-address" }, "送达地址（账号或手机号）"), address,
    h("label", { class: "row" }, h("input", { type: "checkbox", name: "agree", required: true }),
      "本企业同意以上述地址接收电子送达的执法文书"),
    message,
    h("button", { type: "submit" }, "同意电子送达"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (channel.value === "sms" && !/^1\d{10}$/.test(address.value.trim())) {
      return say(message, "请填写 11 位手机号", "error");
    }
    try {
      await session.api(`/api/v1/enterprises/${enterpriseId}/service-consents`, { method: "POST", json: {
        signer_name: form.signer.value.trim(), channel: channel.value, address: address.value.trim(),
        agreed_at: new Date().toISOString() } });
      await reload();
    } catch (err) {
      say(message, `提交失败：${describe(err)}`, "error");
    }
  });
  return form;
}
