// Interlude's service worker: the app's shell (its page and hashed assets), the client's to-do list
// and the activities they opened stay available offline (network first: online, always the latest).
// Only GETs are handled; submissions are the page's outbox's business. The data cache is this
// person's: the app deletes it on sign-out.
const SHELL = "interlude-shell-v1";
const DATA = "interlude-data-v1";
const START = "/app/";
const RENDERED_ACTIVITY = /^\/assignments\/[^/]+\/render$/;

async function cacheShell() {
  const cache = await caches.open(SHELL);
  const page = await fetch(START, { cache: "no-cache" });
  const html = await page.clone().text();
  const assets = Array.from(html.matchAll(/(?:src|href)="(\/app\/[^"]+)"/g), (match) => match[1]);
  await cache.put(START, page);
  await cache.addAll(Array.from(new Set(assets)));
}

self.addEventListener("install", (event) => {
  event.waitUntil(cacheShell().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== SHELL && n !== DATA).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

async function networkFirst(request, cacheName, fallbackKey) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(fallbackKey ?? request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(fallbackKey ?? request);
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(SHELL);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith(START)) {
    event.respondWith(networkFirst(request, SHELL, START));
  } else if (url.pathname.startsWith("/app/assets/")) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname === "/me/todo" || RENDERED_ACTIVITY.test(url.pathname)) {
    event.respondWith(networkFirst(request, DATA));
  }
});
