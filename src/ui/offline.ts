// Offline once loaded: in the built page, a service worker (public/sw.js) serves the page's own files
// from a cache when the network is gone, and caches every file of the build — including the harness,
// the peers and the shaders that load only when a run needs them — as soon as the page has opened.

/** Registers the service worker and asks it to cache the whole build; sets <html data-offline>. */
export async function keepWorkingOffline(): Promise<void> {
  // Only the built page: under the dev server (import.meta.hot) a cache would only get in the way.
  if (import.meta.hot || !('serviceWorker' in navigator) || !window.isSecureContext) return;
  const root = document.documentElement;
  try {
    await navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`);
    const registration = await navigator.serviceWorker.ready;
    const worker = registration.active;
    if (!worker) return;
    const reply = await new Promise<{ ok: boolean; count?: number; error?: string }>((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => resolve(event.data);
      worker.postMessage('precache', [channel.port2]);
    });
    root.dataset.offline = reply.ok ? 'ready' : 'failed';
  } catch {
    root.dataset.offline = 'failed'; // no offline copy; everything else works as before
  }
}
