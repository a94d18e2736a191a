// The send queue: submissions and their photos, and representatives' signatures, wait on the phone until the
// signal returns.
//
// Photos go first (POST /api/v1/photos with the photo's own client_uuid, so a retry returns the same photo),
// then the submission through POST /api/v1/sync under its client_uuid (a replay returns the original result,
// never a second one). A record is only marked sent once the server has answered for it; a lost answer is
// simply sent again and comes back "replayed". Signatures (kind "signature") go after the submissions, since
// only a submitted visit is signed: the image under the record's uuid, then the visit's signature.

import { ApiError, Offline, describe } from "/static/api.js";
import * as db from "./db.js";

let session = null;
let running = null;
const listeners = new Set();

export function init(current) {
  session = current;
  window.addEventListener("online", () => flush());
  setInterval(() => flush(), 15000);
  flush();
}

export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function changed() {
  for (const listener of listeners) listener();
}

export async function pending() {
  const items = await db.all("outbox");
  return items.filter((i) => session && i.user_id === session.me.id && i.status !== "sent");
}

export async function items() {
  const all = await db.all("outbox");
  return all.filter((i) => session && i.user_id === session.me.id).sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
}

// the latest submission queued for a visit (signatures aside)
export function forVisit(visitId) {
  return db.byVisit("outbox", visitId).then((rows) => rows.filter((r) => r.kind !== "signature")
    .sort((a, b) => (a.created_at < b.created_at ? 1 : -1))[0]);
}

// Queue a finished checklist. The draft stays until the server has the submission.
export async function enqueue(record) {
  await db.put("outbox", { ...record, status: "queued", error: "", attempts: 0, created_at: new Date().toISOString() });
  changed();
  flush();
}

// Queue a representative's signature taken without signal: {uuid, visit_id, user_id, enterprise_name, blob}.
export async function enqueueSignature(record) {
  const now = new Date().toISOString();
  await db.put("outbox", { ...record, kind: "signature", status: "queued", error: "", attempts: 0, captured_at: now,
    created_at: now });
  changed();
  flush();
}

export async function retry(uuid) {
  const item = await db.get("outbox", uuid);
  if (item) await db.put("outbox", { ...item, status: "queued", error: "" });
  changed();
  return flush();
}

export async function discard(uuid) {
  await db.del("outbox", uuid);
  changed();
}

export function flush() {
  if (!running) running = send().catch(() => {}).finally(() => { running = null; changed(); });
  return running;
}

async function save(item, changes) {
  Object.assign(item, changes);
  await db.put("outbox", item);
  changed();
}

async function send() {
  if (!session || !session.token) return;
  const waiting = (await items()).filter((i) => i.status === "queued" || i.status === "sending");
  await sendSubmissions(waiting.filter((i) => i.kind !== "signature"));
  await sendSignatures(waiting.filter((i) => i.kind === "signature"));
}

async function sendSubmissions(queued) {
  const ready = [];
  for (const item of queued) {
    try {
      await save(item, { status: "sending", attempts: (item.attempts || 0) + 1 });
      ready.push({ item, payload: await withPhotoIds(item) });
    } catch (err) {
      if (await requeueOrFail(item, err, `照片上传失败：${describe(err)}`)) {
        for (const other of queued) if (other.status === "sending") await save(other, { status: "queued" });
        return;
      }
    }
  }
  if (!ready.length) return;
  let answer;
  try {
    answer = await session.api("/api/v1/sync", { method: "POST", json: { submissions: ready.map((r) => r.payload) } });
  } catch (err) {
    const requeue = err instanceof Offline || err.status === 401;
    for (const { item } of ready) {
      await save(item, requeue ? { status: "queued", error: err.status === 401 ? "登录已过期，请重新登录" : "" }
        : { status: "error", error: describe(err) });
    }
    return;
  }
  for (const result of answer.results) {
    const entry = ready.find((r) => r.item.uuid === result.client_uuid);
    if (!entry) continue;
    if (result.status === "error") {
      await save(entry.item, { status: "error", error: describe(new ApiError(result.http_status, result.error.code,
        result.error.message, result.error.details)) });
      continue;
    }
    await save(entry.item, { status: "sent", error: "", response: result.submission, sent_at: new Date().toISOString() });
    await forget(entry.item);
  }
}

// The image under the record's uuid (the same image again is the same photo), then the signature on its record:
// a department's part record (``document`` {kind: "visit_part", id}), else the visit's record as a whole. Sent
// again after a lost answer, a part's signature already in force with this very image is not signed twice.
export async function uploadSignature(current, record) {
  const form = new FormData();
  form.append("client_uuid", record.uuid);
  form.append("visit_id", String(record.visit_id));
  form.append("purpose", "signature");
  form.append("file", record.blob, "signature.png");
  const photo = await current.api("/api/v1/photos", { method: "POST", form });
  const doc = record.document;
  if (!doc || doc.kind !== "visit_part") {
    await current.api(`/api/v1/visits/${record.visit_id}/signature`, { method: "POST", json: { photo_id: photo.id } });
    return;
  }
  const path = `/api/v1/documents/visit_part/${doc.id}/signatures`;
  const rows = await current.api(path);
  if (rows.some((r) => r.party === "enterprise" && !r.superseded_at && r.photo_id === photo.id)) return;
  await current.api(path, { method: "POST",
    json: { party: "enterprise", photo_id: photo.id, signer_name: record.signer_name || "企业代表" } });
}

// No signal or a login that ran out: back in the queue (true: stop sending). Anything else: a person must look.
async function requeueOrFail(item, err, failure) {
  if (err instanceof Offline || (err instanceof ApiError && err.status === 401)) {
    await save(item, { status: "queued", error: err instanceof Offline ? "" : "登录已过期，请重新登录" });
    return true;
  }
  await save(item, { status: "error", error: failure });
  return false;
}

async function sendSignatures(queued) {
  for (const item of queued) {
    try {
      await save(item, { status: "sending", attempts: (item.attempts || 0) + 1 });
      await uploadSignature(session, item);
      await save(item, { status: "sent", error: "", blob: null, sent_at: new Date().toISOString() });
    } catch (err) {
      if (await requeueOrFail(item, err, `签名上传失败：${describe(err)}`)) return;
    }
  }
}

// Upload the submission's photos that the server does not have yet; the payload with their server ids.
async function withPhotoIds(item) {
  const ids = {};
  for (const uuid of new Set(item.results.flatMap((r) => r.photos || []))) {
    const photo = await db.get("photos", uuid);
    if (!photo) throw new Error("照片在手机上丢失");
    if (!photo.server_id) {
      const form = new FormData();
      form.append("client_uuid", photo.uuid);
      form.append("visit_id", String(item.visit_id));
      form.append("file", photo.blob, photo.name || `${photo.uuid}.jpg`);
      const out = await session.api("/api/v1/photos", { method: "POST", form });
      photo.server_id = out.id;
      photo.status = "uploaded";
      await db.put("photos", photo);
      changed();
    }
    ids[uuid] = photo.server_id;
  }
  return {
    client_uuid: item.uuid,
    visit_id: item.visit_id,
    captured_at: item.captured_at,
    note: item.note || "",
    results: item.results.map((r) => ({ item_code: r.item_code, result: r.result, note: r.note || "",
      photo_ids: (r.photos || []).map((u) => ids[u]) })),
  };
}

// Once the server has it: the draft and the photo blobs are no longer needed on the phone.
async function forget(item) {
  await db.del("drafts", item.visit_id);
  for (const photo of await db.byVisit("photos", item.visit_id)) await db.del("photos", photo.uuid);
}
