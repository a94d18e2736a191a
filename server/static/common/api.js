// Talking to the xuncha API from the browser: the bearer token, JSON and multipart, one error shape.

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

// A fetch that never reached the server (no signal, server down): the caller may queue and retry.
export class Offline extends Error {}

export class Session {
  constructor(face) {
    this.key = `xuncha.${face}.session`;
    const saved = JSON.parse(localStorage.getItem(this.key) || "null");
    this.token = saved && new Date(saved.expires_at) > new Date() ? saved.token : null;
    this.me = saved ? saved.me : null;
  }

  async login(username, password) {
    const form = new URLSearchParams({ username, password });
    const out = await request("/api/v1/auth/token", { method: "POST", body: form });
    this.token = out.access_token;
    this.me = await this.api("/api/v1/me");
    localStorage.setItem(this.key, JSON.stringify({ token: this.token, expires_at: out.expires_at, me: this.me }));
    return this.me;
  }

  logout() {
    this.token = null;
    this.me = null;
    localStorage.removeItem(this.key);
  }

  api(path, options = {}) {
    const headers = { ...(options.headers || {}) };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    return request(path, { ...options, headers });
  }

  // A file behind the token (PDF, photo, export) as a blob URL the page can show or download.
  async blobUrl(path) {
    const blob = await this.api(path, { raw: true }).then((r) => r.blob());
    return URL.createObjectURL(blob);
  }
}

// fetch + JSON; `json` sends a JSON body, `form` a FormData, `raw` returns the Response itself.
export async function request(path, { method = "GET", json, form, body, headers = {}, raw = false } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers } };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["Content-Type"] = "application/json";
  } else if (form !== undefined) {
    init.body = form;
  } else if (body !== undefined) {
    init.body = body;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new Offline(`网络不可用 / network unavailable: ${err.message}`);
  }
  if (!response.ok) {
    let error = {};
    try {
      error = (await response.json()).error || {};
    } catch {
      /* not JSON: keep the status */
    }
    if (response.status === 503 || response.status === 504) throw new Offline(`服务器暂不可用 (${response.status})`);
    throw new ApiError(response.status, error.code || String(response.status), error.message || response.statusText,
      error.details);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

// What a person reads for the API's machine words, when a message did not come with them (never the raw code).
const CJK = /[\u4e00-\u9fff]/;
const HTTP_TEXT = {
  400: "请求不正确", 401: "需要登录", 403: "无权操作", 404: "未找到", 405: "不支持该操作", 409: "数据冲突，请刷新后重试",
  413: "文件或请求过大", 415: "不支持的文件类型", 422: "提交的数据不合法", 429: "操作过于频繁，请稍后重试",
  500: "服务器内部错误", 503: "服务器繁忙，请稍后重试",
};
export const PROBLEM_TEXT = {
  duplicate: "同一检查项重复提交", unknown_item: "未知检查项", not_applicable_item: "该检查项不适用于本企业",
  photo_required: "不合格项须附照片", not_fixable_on_spot: "该项不能当场整改", major_not_closable_on_spot: "重大事故隐患不能当场销号",
  after_photo_required: "当场整改须附整改后照片", party_not_allowed: "该项的责任方不能这样选择", missing_item: "检查项未填写",
  unknown_photo: "照片不存在或不属于本次检查", not_an_inspector: "不是执法人员", not_certified: "无执法证",
  certificate_expired: "执法证已过期", recused: "已申报回避该企业", two_certified_inspectors_required: "须两名持证执法人员",
  not_in_order: "该隐患不在原指令书中", voided: "该隐患已作废", already_closed: "该隐患已销号",
  plan_not_approved: "治理方案未经审查同意", unknown_state: "复查结果不正确", unknown_next_step: "后续处理不正确",
  missing: "必填项缺失", string_too_long: "内容过长", string_too_short: "内容过短", int_parsing: "须为整数", enum: "取值不正确",
};
// Field names of the API (English on the wire) as people call them; an unknown one is left out, not shown raw.
const FIELD_TEXT = {
  results: "检查结果", photo_ids: "照片", plan_photo_ids: "治理方案", note: "说明", reason: "理由", comment: "意见",
  score: "评分", requested_due_date: "申请期限", interim_measures: "临时安全措施", latitude: "纬度", longitude: "经度",
  planned_date: "计划日期", enterprise_id: "企业", inspector_ids: "检查人员", kinds: "检查表", departments: "部门",
  file: "文件", client_uuid: "编号", captured_at: "拍摄时间", username: "用户名", password: "密码", name: "名称",
  credit_code: "统一社会信用代码", address: "地址", due_date: "整改期限", accepted: "审核结论", limit: "每页条数",
  offset: "起始位置", result: "检查结果", item_code: "检查项", party: "责任方", items: "项目", outcome: "复查结果",
};

function chinese(text) {
  const zh = String(text || "").split(" / ")[0].trim();
  return CJK.test(zh) ? zh : "";
}

function where(d) {
  if (d.item_code) return d.item_code;
  const names = (d.loc || []).filter((p) => typeof p === "string" && !["body", "query", "path", "header"].includes(p));
  const known = names.reverse().find((p) => FIELD_TEXT[p]);
  return known ? FIELD_TEXT[known] : "";
}

// The message a person should read for an error, with the problems a 422 lists: Chinese only, no raw codes.
export function describe(err) {
  if (err instanceof Offline) return "当前无网络，稍后自动重试";
  if (!(err instanceof ApiError)) return chinese(err.message || err) || "操作失败，请重试";
  const zh = chinese(err.message) || PROBLEM_TEXT[err.code] || HTTP_TEXT[err.status] || "操作失败，请重试";
  const problems = Array.isArray(err.details)
    ? err.details.map((d) => [where(d), chinese(d.message) || PROBLEM_TEXT[d.problem || d.type] || "取值不合法"]
      .filter(Boolean).join("："))
    : [];
  return problems.length ? `${zh}（${problems.join("；")}）` : zh;
}
