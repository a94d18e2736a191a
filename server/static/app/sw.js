// The inspector app's service worker: the app shell, the work list and the checklists stay usable offline.
// Network first (so a deploy or a new plan shows at once), the last good copy when there is no signal.
// Writes (POST) are never cached here: the app queues them in IndexedDB itself.

const SHELL = "xuncha-shell-v1";
const DATA = "xuncha-data-v1";
const SHELL_FILES = [
  "/app/", "/app/app.js", "/app/checklist.js", "/app/db.js", "/app/grid.js", "/app/outbox.js", "/app/review.js", "/app/session.js",
  "/app/signature.js", "/app/signoff.js", "/app/scanner.js", "/app/vendor/jsQR.min.js", "/app/manifest.webmanifest",
  "/app/icon.svg", "/app/icon-192.png", "/static/base.css", "/static/api.js", "/static/ui.js",
  "/static/inbox.js",
];
// what the phone needs on site: who am I, today's list, each visit and the checklist asked there
const DATA_PATHS = [/^\/api\/v1\/me$/, /^\/api\/v1\/visits$/, /^\/api\/v1\/visits\/\d+$/, /^\/api\/v1\/visits\/\d+\/checklist$/,
  /^\/api\/v1\/checklists(\/.*)?$/];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => ![SHELL, DATA].includes(k)).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/app/") || url.pathname.startsWith("/static/")) {
    event.respondWith(networkFirst(request, SHELL, request.mode === "navigate" ? "/app/" : null));
  } else if (DATA_PATHS.some((re) => re.test(url.pathname))) {
    event.respondWith(networkFirst(request, DATA, null));
  }
});

// A slow signal counts as none after a few seconds when there is a copy to show.
async function networkFirst(request, cacheName, fallbackUrl) {
  const cache = await caches.open(cacheName);
  const network = fetch(request).then(async (response) => {
    if (response.ok) await cache.put(request, response.clone());
    return response;
  });
  const slow = new Promise((_, reject) => setTimeout(() => reject(new Error("slow network")), 6000));
  try {
    return await Promise.race([network, slow]);
  } catch (err) {
    const cached = (await cache.match(request)) || (fallbackUrl && (await cache.match(fallbackUrl)));
    return cached || network;
  }
}
