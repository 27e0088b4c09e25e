// Loads WGSL text for a `new URL('../../shaders/x.wgsl', import.meta.url)`: from disk in Node (tests,
// the CLI, plain tsx), by fetch in the page (Vite turns such URLs into served assets).

const cache = new Map<string, Promise<string>>();

/** The WGSL source behind a shader URL, fetched or read once. */
export function loadShader(url: URL): Promise<string> {
  let source = cache.get(url.href);
  if (!source) {
    source = url.protocol === 'file:' ? readFileText(url) : fetchText(url);
    cache.set(url.href, source);
    source.catch(() => cache.delete(url.href));
  }
  return source;
}

async function readFileText(url: URL): Promise<string> {
  const fsName = 'node:fs/promises';
  const fs: typeof import('node:fs/promises') = await import(/* @vite-ignore */ fsName);
  return fs.readFile(url, 'utf8');
}

async function fetchText(url: URL): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`shader ${url.pathname}: HTTP ${response.status}`);
  return response.text();
}
