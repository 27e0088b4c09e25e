// attnscope's service worker: keeps the built page usable offline once it has been loaded. Every
// same-origin GET goes to the network first (so a new build is always picked up) and falls back to the
// cache when the network is gone. When the page asks, it also caches every file of the build listed in
// Vite's manifest — the harness, the peers, the charts and the shaders that load only when needed — so
// a run can start without a network. Nothing from another origin is ever fetched or cached.

const CACHE = 'attnscope-v1';

function sameOrigin(url) {
  return new URL(url, self.location.href).origin === self.location.origin;
}

async function filesOfBuild() {
  const files = new Set(['./', './favicon.svg']);
  const response = await fetch('./.vite/manifest.json', { cache: 'no-store' });
  if (!response.ok) return [...files];
  const manifest = await response.json();
  for (const entry of Object.values(manifest)) {
    if (typeof entry?.file === 'string') files.add(`./${entry.file}`);
    for (const list of [entry?.css, entry?.assets]) {
      if (Array.isArray(list)) for (const file of list) if (typeof file === 'string') files.add(`./${file}`);
    }
  }
  return [...files].filter(sameOrigin);
}

async function precache() {
  const cache = await caches.open(CACHE);
  const files = await filesOfBuild();
  const missing = [];
  for (const file of files) if (!(await cache.match(file))) missing.push(file);
  await cache.addAll(missing);
  return files.length;
}

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data !== 'precache') return;
  const port = event.ports[0];
  event.waitUntil(
    precache().then(
      (count) => port?.postMessage({ ok: true, count }),
      (error) => port?.postMessage({ ok: false, error: String(error) }),
    ),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || !sameOrigin(request.url)) return;
  event.respondWith(
    (async () => {
      try {
        const response = await fetch(request);
        if (response.ok && response.type === 'basic') {
          const copy = response.clone();
          event.waitUntil(caches.open(CACHE).then((cache) => cache.put(request, copy)));
        }
        return response;
      } catch (error) {
        const cached = await caches.match(request, { ignoreSearch: request.mode === 'navigate' });
        if (cached) return cached;
        throw error;
      }
    })(),
  );
});
