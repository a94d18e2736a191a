// IndexedDB on the phone: what must survive a reload, a crash or a lost signal.
//   drafts  {visit_id, user_id, visit, sections, answers: {code: {result, note, photos: [uuid]}}, note, updated_at}
//   photos  {uuid, visit_id, user_id, blob, type, server_id, status: local|uploaded|error, error}
//   outbox  {uuid, visit_id, user_id, enterprise_name, captured_at, results, note, status, error, response, ...}
//           or a signature: {uuid, kind: "signature", visit_id, user_id, enterprise_name, captured_at, blob, ...}
//           status: queued -> sending -> sent, or error (a refusal a person must look at)

const NAME = "xuncha-app";
const VERSION = 1;
let opening = null;

export function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(NAME, VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        db.createObjectStore("drafts", { keyPath: "visit_id" });
        db.createObjectStore("photos", { keyPath: "uuid" }).createIndex("visit_id", "visit_id");
        db.createObjectStore("outbox", { keyPath: "uuid" }).createIndex("visit_id", "visit_id");
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return opening;
}

async function run(store, mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    const req = work(tx.objectStore(store));
    tx.oncomplete = () => resolve(req ? req.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export const get = (store, key) => run(store, "readonly", (s) => s.get(key));
export const put = (store, value) => run(store, "readwrite", (s) => s.put(value));
export const del = (store, key) => run(store, "readwrite", (s) => s.delete(key));
export const all = (store) => run(store, "readonly", (s) => s.getAll());
export const byVisit = (store, visitId) => run(store, "readonly", (s) => s.index("visit_id").getAll(visitId));
