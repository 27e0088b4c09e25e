// attnscope's service worker: keeps the built page usable offline once it has been loaded. Every
// same-origin GET goes to the network first (so a new build is always picked up) and falls back to the
// cache when the network is gone. When the page asks, it also caches every file of the build listed in
// Vite's manifest — the harness, the peers, the charts and the shaders that load only when needed — so
// a run can start without a network. Nothing from another origin is ever fetched or cached.
//
// Bounded: the cache holds the files of one build and nothing else. Precaching drops every entry the
// current build does not list (a new build's hashed names replace the old ones, so ONNX Runtime Web's
// 26.8 MB .wasm is held once, not once per build), and the fetch handler only refreshes what the cache
// already holds, with every navigation stored as the page itself (./), whatever its query string.
// Versioned: CACHE names this worker's layout; a worker with another name deletes the old cache.

const CACHE = 'attnscope-v2';
const PAGE = new URL('./', self.location.href).href;

/** A navigation to the page itself (any query string), which the cache keeps as ./. */
function isPage(request) {
  if (request.mode !== 'navigate') return false;
  const path = new URL(request.url).pathname;
  const page = new URL(PAGE).pathname;
  return path === page || path === `${page}index.html`;
}

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
  const wanted = new Set(files.map((file) => new URL(file, self.location.href).href));
  let dropped = 0;
  for (const request of await cache.keys()) {
    if (wanted.has(request.url)) continue;
    await cache.delete(request);
    dropped++;
  }
  return { count: files.length, dropped };
}

/** Where a response is kept: the page as ./ whatever its query; other files only if already cached. */
async function keepAs(cache, request) {
  if (isPage(request)) return PAGE;
  return (await cache.match(request)) ? request : undefined;
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
      ({ count, dropped }) => port?.postMessage({ ok: true, count, dropped }),
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
          event.waitUntil(
            caches.open(CACHE).then(async (cache) => {
              const key = await keepAs(cache, request);
              if (key) await cache.put(key, copy);
            }),
          );
        }
        return response;
      } catch (error) {
        const cache = await caches.open(CACHE);
        const cached = await cache.match(isPage(request) ? PAGE : request);
        if (cached) return cached;
        throw error;
      }
    })(),
  );
});
