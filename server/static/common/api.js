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

// The message a person should read for an error, with the problems a 422 lists.
export function describe(err) {
  if (err instanceof Offline) return "当前无网络，稍后自动重试";
  if (!(err instanceof ApiError)) return String(err.message || err);
  const zh = (err.message || "").split(" / ")[0];
  const problems = Array.isArray(err.details)
    ? err.details.map((d) => [d.item_code || (d.loc || []).join("."), d.problem || d.message].filter(Boolean).join("："))
    : [];
  return problems.length ? `${zh}（${problems.join("；")}）` : zh;
}
