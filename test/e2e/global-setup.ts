// Builds the page once (vite build into a folder of its own, so a developer's dist/ is left alone) and
// serves it on 127.0.0.1 (loopback is a secure context, which WebGPU needs) from a small static server
// that answers only GET/HEAD for files inside that folder. Tests get the URL with inject('baseUrl').

import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';
import { serveFolder } from './static-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    /** The folder the page was built into (what baseUrl serves). */
    distDir: string;
  }
}

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const outDir = join(root, '.artifacts', 'e2e-dist');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  // Vitest sets NODE_ENV=test, which would make this a development build; test what `npm run build` makes.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root, mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  const server = await serveFolder(outDir);
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}/`;
  project.provide('baseUrl', baseUrl);
  project.provide('distDir', outDir);
  console.log(`[e2e] page built in ${((Date.now() - started) / 1000).toFixed(1)} s, served at ${baseUrl}`);
  return () => new Promise<void>((done) => server.close(() => done()));
}
